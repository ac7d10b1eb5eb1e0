package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.glorycard.Deduction;
import org.glorycard.DeductionType;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.RosterRecord;
import org.glorycard.Sandbox;
import org.glorycard.durable.DrainReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Closing the application context while the scheduled drain has calls in flight (the
 * sandbox answers each after 3 s) stops the drain: it starts nothing more, records the calls
 * in flight and returns within {@code glorycard.outbox.shutdown-timeout}, releasing its lock,
 * so a new instance opening the same SQLite file drains at once, without {@code conflict}.
 */
class ShutdownTest {
    static Sandbox sandbox;
    static Path dir;

    @BeforeAll
    static void startTheSandbox() throws IOException {
        sandbox = Sandbox.start("--latency-ms", "3000");
        dir = Files.createTempDirectory("glorycard-shutdown");
    }

    @AfterAll
    static void stopTheSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void closingTheContextStopsTheDrainAndTheNextInstanceDrainsAtOnce() throws Exception {
        Path ca = Files.write(dir.resolve("sandbox.pem"), sandbox.caPem.getBytes(StandardCharsets.UTF_8));
        Path outboxFile = dir.resolve("outbox.db");
        List<RosterRecord> holders = new ArrayList<>();
        try (GlorycardClient client = sandbox.client()) {
            for (RosterRecord holder : client.rosterPage(0)) {
                if (!holder.getCertNo().contains("*") && holders.size() < 12) {
                    holders.add(holder);
                }
            }
        }
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GlorycardAutoConfiguration.class))
                .withPropertyValues(
                        "glorycard.base-url=" + sandbox.url,
                        "glorycard.sid=" + Sandbox.SID,
                        "glorycard.key=" + Sandbox.KEY,
                        "glorycard.org-code=" + Sandbox.ORG_CODE,
                        "glorycard.ca-certificate=" + ca,
                        "glorycard.outbox.path=" + outboxFile,
                        "glorycard.outbox.drain-interval=1s",
                        // Fewer calls at once than items: the stopped drain leaves some unsent.
                        "glorycard.outbox.concurrency=2",
                        "glorycard.outbox.shutdown-timeout=60s")
                .run(context -> {
                    Outbox outbox = context.getBean(Outbox.class);
                    GlorycardScheduler scheduler = context.getBean(GlorycardScheduler.class);
                    long requestsBefore = sandbox.admin("/admin/stats").get("requests").asLong();
                    for (int i = 0; i < holders.size(); i++) {
                        RosterRecord holder = holders.get(i);
                        outbox.enqueue(new Deduction(Sandbox.ORG_CODE, holder.getCertType(), holder.getCertNo(), holder.getCertName(),
                                "STOP-" + i, "6.00", "6.00", "2026-11-30 09:15:00", holder.getGloryType(),
                                DeductionType.OUTPATIENT_CONSULTATION, null));
                    }
                    // A call in flight: the sandbox counts a request when it arrives, then waits 3 s.
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (sandbox.admin("/admin/stats").get("requests").asLong() == requestsBefore
                            && System.currentTimeMillis() < deadline) {
                        Thread.sleep(50);
                    }
                    assertTrue(sandbox.admin("/admin/stats").get("requests").asLong() > requestsBefore, "no drain call started");

                    context.close();
                    // The drain returned within the shutdown timeout (close waited for it, not past it).
                    assertTrue(scheduler.isStopped(), "the drain was still running when the context closed");
                });

        try (Outbox next = Outbox.open(outboxFile.toString()); GlorycardClient client = sandbox.client()) {
            long pendingAtStart = next.status().getPending();
            assertTrue(pendingAtStart < holders.size(), "the stopped drain recorded its calls in flight");
            assertTrue(pendingAtStart > 0, "the stopped drain started nothing more");
            // No `conflict`: the stopped drain released its lock.
            DrainReport report = next.drain(client, 8, Duration.ofSeconds(60));
            assertEquals(0, report.getPending(), String.valueOf(report.getLastFailure()));
            assertEquals(holders.size(), next.status().getAcknowledged());
        }
        assertEquals(holders.size(), sandbox.admin("/admin/stats").get("deductions").asInt());
    }
}
