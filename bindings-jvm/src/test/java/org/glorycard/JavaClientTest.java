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
