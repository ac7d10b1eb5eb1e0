package org.glorycard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.glorycard.durable.DrainReport;
import org.glorycard.durable.Enqueued;
import org.glorycard.durable.HolderMatch;
import org.glorycard.durable.MatchKind;
import org.glorycard.durable.OutboxStatus;
import org.glorycard.durable.SyncProgress;
import org.glorycard.ffi.AckResponse;
import org.glorycard.ffi.SignedResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job from Java 8 (this file is compiled with {@code --release 8}): the client,
 * the outbox, the replica and the /deductCheck handler against the project's sandbox
 * platform, started on a free loopback port by {@link Sandbox}.
 */
class JavaClientTest {
    static Deduction deduction(RosterRecord holder, String id) {
        return new Deduction(Sandbox.ORG_CODE, holder.getCertType(), holder.getCertNo(), holder.getCertName(), id,
                "120.50", "120.50", "2026-11-30 09:15:00", holder.getGloryType(), DeductionType.OUTPATIENT_CONSULTATION, null);
    }

    /** The holders the sandbox serves with their whole number (it masks every 7th). */
    static List<RosterRecord> unmasked(List<RosterRecord> page) {
        List<RosterRecord> whole = new ArrayList<>();
        for (RosterRecord holder : page) {
            if (!holder.getCertNo().contains("*")) {
                whole.add(holder);
            }
        }
        return whole;
    }

    static Cancellation cancellation(String id) {
        return new Cancellation(Sandbox.ORG_CODE, id, "2026-11-30 10:00:00");
    }

    @Test
    void pagesTheRosterDeductsCancelsAndIsRefused() {
        try (Sandbox sandbox = Sandbox.start(); GlorycardClient client = sandbox.client()) {
            List<RosterRecord> first = client.rosterPage(0);
            assertEquals(500, first.size());
            assertEquals(1, first.get(0).getDataId());
            assertEquals(500, client.rosterPage(500).size());
            assertEquals(Sandbox.HOLDERS - 1000, client.rosterPage(1000).size());
            assertTrue(client.rosterPage(Sandbox.HOLDERS).isEmpty());
            // A record prints masked: the roster is personal data.
            assertFalse(first.get(0).toString().contains(first.get(0).getCertNo()));

            AckResponse ack = client.deduct(deduction(first.get(0), "JAVA-D-1"));
            assertEquals("1", ack.getResponseFlag());
            assertEquals("1", client.cancel(cancellation("JAVA-D-1")).getResponseFlag());

            PlatformRejectedException refused =
                    assertThrows(PlatformRejectedException.class, () -> client.cancel(cancellation("JAVA-NEVER-DEDUCTED")));
            assertEquals("platform_rejected", refused.getCode());
            assertFalse(refused.isRetryable());
            assertFalse(refused.getPlatformMessage().isEmpty());

            JsonNode stats = sandbox.admin("/admin/stats");
            assertEquals(1, stats.get("deductions").asInt());
            assertEquals(1, stats.get("cancelled").asInt());
        }
    }

    @Test
    void aWrongKeyIsAnUntrustedAnswerAndAnInvalidRecordIsNeverSent() {
        try (Sandbox sandbox = Sandbox.start();
                GlorycardClient wrong = sandbox.clientBuilder().key(new SecretKey("not-the-key")).noRetry().build();
                GlorycardClient client = sandbox.client()) {
            RosterRecord holder = client.rosterPage(0).get(0);
            UntrustedResponseException untrusted =
                    assertThrows(UntrustedResponseException.class, () -> wrong.deduct(deduction(holder, "JAVA-WRONG-KEY")));
            assertEquals("signature_mismatch", untrusted.getCode());
            assertTrue(untrusted.isRetryable(), "the answer was not trusted: whether it was applied is unknown");
            assertFalse(untrusted.getMessage().contains("not-the-key"));

            Deduction invalid = new Deduction(Sandbox.ORG_CODE, holder.getCertType(), holder.getCertNo(), holder.getCertName(),
                    "JAVA-INVALID", "10.00", "99.00", "2026-11-30 09:15:00", holder.getGloryType(), DeductionType.OUTPATIENT_CONSULTATION, null);
            ValidationException invalidField = assertThrows(ValidationException.class, () -> client.deduct(invalid));
            assertEquals("deductionFee", invalidField.getField());
            assertEquals(0, sandbox.admin("/admin/stats").get("deductions").asInt());

            ConfigException config = assertThrows(ConfigException.class,
                    () -> GlorycardClient.builder("http://example.org/").sid("s").key(new SecretKey("k")).orgCode("1").build());
            assertEquals("config", config.getCode());
            assertTrue(wrong.toString().contains("key=***"));
        }
    }

    @Test
    void anOutboxFilledOfflineIsDrainedThroughFaultsEachDeductionHeldOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("outbox.db");
        List<RosterRecord> holders;
        try (Sandbox roster = Sandbox.start(); GlorycardClient client = roster.client()) {
            holders = unmasked(client.rosterPage(0));
        }
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(deduction(holders.get(i), "JAVA-OUTBOX-" + i));
        }
        for (int i = 0; i < 30; i += 3) {
            items.add(cancellation("JAVA-OUTBOX-" + i));
        }
        try (Outbox outbox = Outbox.open(file)) {
            // Enqueued with no platform running.
            List<Enqueued> enqueued = outbox.enqueueAll(items);
            assertEquals(40, enqueued.size());
            assertTrue(enqueued.get(0).getNewlyAdded());
            assertFalse(outbox.enqueue((Deduction) items.get(0)).getNewlyAdded(), "a repeated enqueue is a no-op");
            assertEquals(40, outbox.status().getPending());

            // Nothing listens there: the drain gives up, nothing is lost.
            try (GlorycardClient offline = GlorycardClient.builder("https://127.0.0.1:9/").sid(Sandbox.SID)
                    .key(new SecretKey(Sandbox.KEY)).orgCode(Sandbox.ORG_CODE).noRetry()
                    .connectTimeout(Duration.ofSeconds(1)).build()) {
                DrainReport gaveUp = outbox.drain(offline, 4, Duration.ofSeconds(2));
                assertTrue(gaveUp.getGaveUp());
                assertEquals(40, gaveUp.getPending());
                assertTrue(gaveUp.getLastFailure().startsWith("connect"));
            }
        }
        // Reopened (as after a restart), drained against a platform that fails 20% of the
        // calls and drops the answer of 10% after applying them.
        try (Sandbox sandbox = Sandbox.start("--fail-rate", "0.2", "--drop-rate", "0.1", "--seed", "7");
                GlorycardClient client = sandbox.clientBuilder()
                        .retryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(10)).build();
                Outbox outbox = Outbox.open(file.toString())) {
            DrainReport report = outbox.drain(client, 8, Duration.ofSeconds(60));
            assertEquals(0, report.getPending(), report.toString());
            assertFalse(report.getGaveUp());
            assertEquals(40, report.getAcknowledged());
            OutboxStatus status = outbox.status();
            assertEquals(40, status.getAcknowledged());
            assertEquals(0, status.getPending());
            assertEquals(null, status.getOldestPending());

            JsonNode deductions = sandbox.admin("/admin/deductions");
            Set<String> ids = new HashSet<>();
            int cancelled = 0;
            for (JsonNode record : deductions) {
                assertTrue(ids.add(record.get("deductionID").asText()), "held twice: " + record);
                if (DeductionStatus.CANCELLED.equals(record.get("status").asText())) {
                    cancelled++;
                }
            }
            assertEquals(30, ids.size());
            assertEquals(10, cancelled);
            JsonNode stats = sandbox.admin("/admin/stats");
            assertTrue(stats.get("injected_failures").asInt() + stats.get("injected_drops").asInt() > 0,
                    "the faults were injected: " + stats);
        }
    }

    /** Runs psql against {@code url}; fails the test with psql's message on an error. */
    /**
     * An application shutting down: stopDraining from another thread while calls are in
     * flight against a slow platform. The drain returns without giving up, every call that
     * went out is recorded as acknowledged, and a new handle drains the rest at once (the
     * file's lock was freed).
     */
    @Test
    void stopDrainingFinishesTheCallsInFlightAndFreesTheOutbox(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("outbox.db");
        try (Sandbox sandbox = Sandbox.start("--latency-ms", "500"); GlorycardClient client = sandbox.client()) {
            List<RosterRecord> holders = unmasked(client.rosterPage(0));
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                items.add(deduction(holders.get(i), "JAVA-STOP-" + i));
            }
            try (Outbox outbox = Outbox.open(file)) {
                outbox.enqueueAll(items);
                List<DrainReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
                Thread drainer = new Thread(() -> reports.add(outbox.drain(client, 4, Duration.ofSeconds(60))));
                drainer.start();
                while (sandbox.admin("/admin/stats").get("requests").asInt() < 2) {
                    Thread.sleep(10);
                }
                outbox.stopDraining();
                drainer.join(60_000);
                assertFalse(drainer.isAlive(), "the drain did not return after stopDraining");
                DrainReport report = reports.get(0);
                int held = sandbox.admin("/admin/stats").get("deductions").asInt();
                assertFalse(report.getGaveUp());
                assertTrue(held > 0 && held < 40, held + " held");
                assertEquals(held, report.getAcknowledged());
                assertEquals(40 - held, report.getPending());
                assertEquals(0, outbox.drain(client).getAcknowledged());
            }
            try (Outbox next = Outbox.open(file)) {
                DrainReport rest = next.drain(client, 8, Duration.ofSeconds(60));
                assertEquals(0, rest.getPending());
            }
        }
    }

    static void psql(String url, String sql) throws Exception {
        Process psql = new ProcessBuilder("psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql)
                .redirectErrorStream(true).start();
        byte[] said = readAll(psql.getInputStream());
        assertEquals(0, psql.waitFor(), new String(said, "UTF-8"));
    }

    /**
     * Two handles stand for two nodes on one PostgreSQL database (GLORYCARD_TEST_DATABASE_URL
     * names the server; the test command starts a throwaway one): both drain the outbox at
     * once, each deduction reaching the platform once; one syncs the replica, the other
     * looks up.
     */
    @Test
    void anOutboxAndAReplicaOnPostgresAreSharedByTwoHandles() throws Exception {
        String server = System.getenv("GLORYCARD_TEST_DATABASE_URL");
        assertTrue(server != null && !server.isEmpty(),
                "GLORYCARD_TEST_DATABASE_URL is not set: run bash tests/postgres.sh run bash bindings-jvm/test.sh");
        String name = "gc_java_" + System.nanoTime();
        psql(server, "CREATE DATABASE " + name);
        String url = server.substring(0, server.lastIndexOf('/') + 1) + name;
        try (Sandbox sandbox = Sandbox.start(); GlorycardClient client = sandbox.client();
                Outbox nodeA = Outbox.open(url); Outbox nodeB = Outbox.open(url)) {
            List<RosterRecord> holders = unmasked(client.rosterPage(0));
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                items.add(deduction(holders.get(i), "JAVA-PG-" + i));
            }
            nodeA.enqueueAll(items);
            nodeB.enqueue(cancellation("JAVA-PG-0"));
            String password = server.substring(server.indexOf("://") + 3, server.indexOf('@'));
            password = password.substring(password.indexOf(':') + 1);
            assertTrue(nodeA.toString().startsWith("Outbox(postgres://"), nodeA.toString());
            assertFalse(nodeA.toString().contains(password), nodeA.toString());
            assertEquals(41, nodeB.status().getPending());
            final List<DrainReport> reports = java.util.Collections.synchronizedList(new ArrayList<DrainReport>());
            List<Thread> drainers = new ArrayList<>();
            for (final Outbox node : new Outbox[] {nodeA, nodeB}) {
                Thread drainer = new Thread(() -> reports.add(node.drain(client, 4, Duration.ofSeconds(60))));
                drainer.start();
                drainers.add(drainer);
            }
            for (Thread drainer : drainers) {
                drainer.join(120_000);
            }
            assertEquals(2, reports.size());
            assertEquals(41, reports.get(0).getAcknowledged() + reports.get(1).getAcknowledged());
            Set<String> ids = new HashSet<>();
            for (JsonNode record : sandbox.admin("/admin/deductions")) {
                assertTrue(ids.add(record.get("deductionID").asText()), "held twice: " + record);
            }
            assertEquals(40, ids.size());

            try (Replica replica = Replica.open(url); Replica other = Replica.open(url)) {
                assertEquals(Sandbox.HOLDERS, replica.sync(client).getRecords());
                assertEquals(Sandbox.HOLDERS, other.size());
                RosterRecord holder = holders.get(0);
                List<HolderMatch> found = other.lookup(holder.getCertType(), holder.getCertNo(), holder.getCertName());
                assertEquals(1, found.size());
                assertEquals(holder, found.get(0).getRecord());
            }
        } finally {
            psql(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /**
     * The database password apart from the URL (a secret property of its own, as the Spring
     * Boot starter takes it): percent-encoded into the URL the store opens, never shown by
     * the store, and refused for a file path or a URL that holds a password already.
     */
    @Test
    void anOutboxAndAReplicaOnPostgresOpenWithThePasswordApart(@TempDir Path dir) throws Exception {
        String server = System.getenv("GLORYCARD_TEST_DATABASE_URL");
        assertTrue(server != null && !server.isEmpty(),
                "GLORYCARD_TEST_DATABASE_URL is not set: run bash tests/postgres.sh run bash bindings-jvm/test.sh");
        String suffix = Long.toString(System.nanoTime());
        String role = "gc_role_" + suffix;
        String name = "gc_pw_" + suffix;
        // Every character a URL gives a meaning to, and one outside ASCII.
        String password = "p@ss w:rd+/?&=%#\u00e9" + suffix;
        psql(server, "CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        psql(server, "CREATE DATABASE " + name + " OWNER " + role);
        String hostAndPort = server.substring(server.indexOf('@') + 1, server.lastIndexOf('/'));
        String url = "postgres://" + role + "@" + hostAndPort + "/" + name;
        try {
            assertTrue(DatabaseLocation.isPostgresUrl(url));
            assertFalse(DatabaseLocation.holdsPassword(url), url);
            assertTrue(DatabaseLocation.holdsPassword(server), "the test server's URL holds its password");
            assertTrue(DatabaseLocation.holdsPassword(url + "?sslmode=disable&password=x"));
            try (Outbox outbox = Outbox.open(url, password); Replica replica = Replica.open(url, password)) {
                assertEquals(0, outbox.status().getPending());
                assertEquals(0, replica.size());
                assertEquals("Outbox(postgres://" + role + "@" + hostAndPort + "/" + name + ")", outbox.toString());
                assertFalse(replica.toString().contains("ss w:rd"), replica.toString());
            }
            StorageException wrong = assertThrows(StorageException.class, () -> Outbox.open(url, password + "x"));
            assertFalse(wrong.getMessage().contains(password), "the message shows no password");
            ConfigException twice = assertThrows(ConfigException.class, () -> Outbox.open(server, password));
            assertEquals("config", twice.getCode());
            assertFalse(twice.getMessage().contains(password));
            ConfigException file = assertThrows(ConfigException.class,
                    () -> Replica.open(dir.resolve("roster.db").toString(), password));
            assertEquals("config", file.getCode());
        } finally {
            psql(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            psql(server, "DROP ROLE IF EXISTS " + role);
        }
    }

    @Test
    void aReplicaSyncsAndFindsHolders(@TempDir Path dir) {
        try (Sandbox sandbox = Sandbox.start(); GlorycardClient client = sandbox.client();
                Replica replica = Replica.open(dir.resolve("roster.db"))) {
            AtomicInteger pages = new AtomicInteger();
            SyncProgress done = replica.sync(client, progress -> pages.incrementAndGet());
            assertEquals(3, done.getPages());
            assertEquals(3, pages.get());
            assertEquals(Sandbox.HOLDERS, done.getRecords());
            assertEquals(Sandbox.HOLDERS, replica.size());
            assertEquals(Sandbox.HOLDERS, replica.checkpoint());
            assertEquals(0, replica.sync(client).getRecords(), "a second sync has nothing to apply");

            RosterRecord holder = client.rosterPage(0).get(0);
            List<HolderMatch> found = replica.lookup(holder.getCertType(), holder.getCertNo(), holder.getCertName());
            assertEquals(1, found.size());
            assertEquals(MatchKind.EXACT, found.get(0).getKind());
            assertEquals(holder, found.get(0).getRecord());
            assertTrue(replica.lookup(CertType.RESIDENT_ID, "110105194912310000").isEmpty());

            // Every 7th holder is served masked (331166*****777X): found only with the name.
            RosterRecord masked = client.rosterPage(0).get(6);
            assertTrue(masked.getCertNo().contains("*"), masked.toString());
        }
    }

    @Test
    void theSandboxReconcilesAgainstTheHandlerServedFromJava(@TempDir Path dir) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        try (Outbox outbox = Outbox.open(dir.resolve("outbox.db"))) {
            AtomicInteger sourceCalls = new AtomicInteger();
            DeductionSource ledger = (org, start, end) -> {
                sourceCalls.incrementAndGet();
                return outbox.deductionsBetween(org, start, end);
            };
            DeductCheckHandler handler = DeductCheckHandler.builder(Sandbox.SID, new SecretKey(Sandbox.KEY))
                    .orgCode(Sandbox.ORG_CODE).source(ledger).build();
            server.createContext("/deductCheck", exchange -> {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = readAll(in);
                }
                SignedResponse answer = handler.handle(exchange.getRequestHeaders(), body,
                        exchange.getRemoteAddress().getAddress().getHostAddress());
                for (Map.Entry<String, String> header : answer.getHeaders().entrySet()) {
                    exchange.getResponseHeaders().set(header.getKey(), header.getValue());
                }
                exchange.sendResponseHeaders(answer.getStatus(), answer.getBody().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer.getBody());
                }
            });
            server.start();
            String institution = "http://127.0.0.1:" + server.getAddress().getPort();
            try (Sandbox sandbox = Sandbox.start("--institution-url", institution); GlorycardClient client = sandbox.client()) {
                List<RosterRecord> holders = unmasked(client.rosterPage(0));
                for (int i = 0; i < 5; i++) {
                    outbox.enqueue(deduction(holders.get(i), "JAVA-RECONCILE-" + i));
                }
                outbox.enqueue(cancellation("JAVA-RECONCILE-2"));
                assertEquals(6, outbox.drain(client).getAcknowledged());

                JsonNode reconciliation = sandbox.admin("/admin/reconcile");
                assertEquals(5, reconciliation.get("platformCount").asInt());
                assertEquals(5, reconciliation.get("institutionCount").asInt());
                assertEquals(0, reconciliation.get("differences").size(), reconciliation.toString());
                assertEquals(1, sourceCalls.get());

                // A deduction the HIS never reported: the platform sees the difference.
                client.deduct(deduction(holders.get(9), "JAVA-RECONCILE-UNKNOWN"));
                JsonNode differences = sandbox.admin("/admin/reconcile").get("differences");
                assertEquals(1, differences.size());
                assertEquals("JAVA-RECONCILE-UNKNOWN", differences.get(0).get("deductionID").asText());
            }
        } finally {
            server.stop(0);
        }
    }

    static byte[] readAll(InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
