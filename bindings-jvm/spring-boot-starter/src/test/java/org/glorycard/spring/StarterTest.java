package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.glorycard.Deduction;
import org.glorycard.DeductionType;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.Replica;
import org.glorycard.RosterRecord;
import org.glorycard.Sandbox;
import org.glorycard.his.HisApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a real Spring Boot application on a real embedded server: Spring Boot 2.7
 * (this file compiled as Java 8) or 3 (the boot3 profile), the starter's classes compiled
 * once as Java 8 bytecode. The sandbox platform reconciles against the application's
 * {@code /deductCheck}, on a port chosen before the context starts (the sandbox must know
 * the institution's URL when it starts).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT, classes = HisApplication.class)
class StarterTest {
    static final int PORT = freePort();
    static Sandbox sandbox;
    static Path dir;

    @DynamicPropertySource
    static void glorycardProperties(DynamicPropertyRegistry registry) throws IOException {
        dir = Files.createTempDirectory("glorycard-starter");
        sandbox = Sandbox.start("--institution-url", "http://127.0.0.1:" + PORT + "/his");
        Path ca = Files.write(dir.resolve("sandbox.pem"), sandbox.caPem.getBytes(StandardCharsets.UTF_8));
        Path key = Files.write(dir.resolve("key"), (Sandbox.KEY + "\n").getBytes(StandardCharsets.UTF_8));
        registry.add("server.port", () -> PORT);
        registry.add("glorycard.base-url", () -> sandbox.url);
        registry.add("glorycard.sid", () -> Sandbox.SID);
        registry.add("glorycard.key-file", key::toString);
        registry.add("glorycard.org-code", () -> Sandbox.ORG_CODE);
        registry.add("glorycard.ca-certificate", ca::toString);
        registry.add("glorycard.outbox.path", () -> dir.resolve("outbox.db").toString());
        registry.add("glorycard.outbox.drain-interval", () -> "1s");
        registry.add("glorycard.replica.path", () -> dir.resolve("roster.db").toString());
        registry.add("glorycard.replica.sync-interval", () -> "1h");
        registry.add("glorycard.institution.enabled", () -> "true");
        registry.add("glorycard.deduct-check.path", () -> "/his/deductCheck");
        registry.add("management.endpoints.web.exposure.include", () -> "health");
        registry.add("management.endpoint.health.show-details", () -> "always");
    }

    @AfterAll
    static void stopTheSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Autowired GlorycardProperties properties;
    @Autowired GlorycardClient client;
    @Autowired Outbox outbox;
    @Autowired Replica replica;
    @Autowired DeductCheckController controller;

    @Test
    void propertiesBindAndTheBeansExist() {
        assertEquals(System.getProperty("spring-boot.version"), SpringBootVersion.getVersion());
        assertEquals(Sandbox.SID, properties.getSid());
        assertEquals("/his/deductCheck", properties.getDeductCheck().getPath());
        assertEquals(1, properties.getOutbox().getDrainInterval().getSeconds());
        assertFalse(properties.toString().contains(Sandbox.KEY));
        assertFalse(client.toString().contains(Sandbox.KEY));
        assertEquals(Sandbox.ORG_CODE, client.getOrgCode());
        assertNotNull(controller);
    }

    @Test
    void theScheduledDrainUploadsAndTheSandboxReconcilesAgainstTheController() throws Exception {
        List<RosterRecord> holders = new ArrayList<>();
        for (RosterRecord holder : client.rosterPage(0)) {
            if (!holder.getCertNo().contains("*")) {
                holders.add(holder);
            }
        }
        for (int i = 0; i < 4; i++) {
            RosterRecord holder = holders.get(i);
            outbox.enqueue(new Deduction(Sandbox.ORG_CODE, holder.getCertType(), holder.getCertNo(), holder.getCertName(),
                    "BOOT-" + SpringBootVersion.getVersion() + "-" + i, "6.00", "6.00", "2026-11-30 09:15:00",
                    holder.getGloryType(), DeductionType.OUTPATIENT_CONSULTATION, null));
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (outbox.status().getPending() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0, outbox.status().getPending(), "the scheduled drain delivered every item");
        assertEquals(4, outbox.status().getAcknowledged());

        JsonNode reconciliation = sandbox.admin("/admin/reconcile");
        assertEquals(4, reconciliation.get("platformCount").asInt(), reconciliation.toString());
        assertEquals(4, reconciliation.get("institutionCount").asInt(), reconciliation.toString());
        assertEquals(0, reconciliation.get("differences").size(), reconciliation.toString());

        // An unsigned call reaches the controller and gets the signed refusal.
        HttpURLConnection call = (HttpURLConnection) new URL("http://127.0.0.1:" + PORT + "/his/deductCheck").openConnection();
        call.setRequestMethod("POST");
        call.setDoOutput(true);
        call.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = call.getOutputStream()) {
            out.write("{\"orgCode\":\"<echo-me>\"}".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(200, call.getResponseCode());
        assertEquals(Sandbox.SID, call.getHeaderField("sid"));
        assertNotNull(call.getHeaderField("sign"));
        String refusal = read(call.getInputStream());
        assertTrue(refusal.contains("\"responseFlag\":\"0\""), refusal);
        assertFalse(refusal.contains("echo-me"), refusal);
    }

    @Test
    void theHealthIndicatorReportsTheOutboxAndTheLastSync() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode glorycard = health();
        while (!glorycard.path("details").has("lastSync") && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            glorycard = health();
        }
        assertEquals("UP", glorycard.get("status").asText(), glorycard.toString());
        JsonNode details = glorycard.get("details");
        assertTrue(details.has("pending"), details.toString());
        assertEquals(Sandbox.HOLDERS, details.get("lastSyncRecords").asInt(), details.toString());
        assertEquals(Sandbox.HOLDERS, replica.size());
    }

    private JsonNode health() throws IOException {
        HttpURLConnection call = (HttpURLConnection) new URL("http://127.0.0.1:" + PORT + "/actuator/health").openConnection();
        int status = call.getResponseCode();
        String text = read(status < 400 ? call.getInputStream() : call.getErrorStream());
        return new ObjectMapper().readTree(text).path("components").path("glorycard");
    }

    private static String read(InputStream in) throws IOException {
        try (InputStream stream = in) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
