package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.glorycard.Sandbox;
import org.glorycard.StorageException;
import org.glorycard.durable.OutboxStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * What the starter refuses at start-up, and what its health details and the Actuator
 * sanitizer show, without a server.
 */
class StartupChecksTest {
    @TempDir Path dir;

    private WebApplicationContextRunner institution() {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GlorycardAutoConfiguration.class))
                .withPropertyValues(
                        "glorycard.institution.enabled=true",
                        "glorycard.sid=" + Sandbox.SID,
                        "glorycard.key=" + Sandbox.KEY,
                        "glorycard.org-code=" + Sandbox.ORG_CODE,
                        "glorycard.outbox.path=" + dir.resolve("outbox.db"));
    }

    /** The message of the start-up failure's root cause. */
    private static String failure(Throwable failure) {
        assertNotNull(failure, "the context started");
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    @Test
    void theInstitutionStartsWithAReplayCacheOfOneOrMore() {
        institution().withPropertyValues("glorycard.deduct-check.replay-capacity=1").run(context -> {
            assertEquals(null, context.getStartupFailure());
            assertEquals(1, context.getBeanNamesForType(DeductCheckController.class).length);
        });
    }

    @Test
    void aReplayCapacityBelowOneIsRefused() {
        for (String capacity : new String[] {"0", "-5"}) {
            institution().withPropertyValues("glorycard.deduct-check.replay-capacity=" + capacity).run(context -> {
                String message = failure(context.getStartupFailure());
                assertTrue(message.contains("glorycard.deduct-check.replay-capacity must be at least 1"), message);
            });
        }
    }

    @Test
    void theInstitutionNeedsASid() {
        institution().withPropertyValues("glorycard.sid=").run(context -> {
            String message = failure(context.getStartupFailure());
            assertTrue(message.contains("glorycard.institution.enabled needs glorycard.sid"), message);
        });
    }

    @Test
    void theOldSwitchIsNotSilentlyIgnored() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GlorycardAutoConfiguration.class))
                .withPropertyValues("glorycard.deduct-check.enabled=true", "glorycard.sid=" + Sandbox.SID)
                .run(context -> {
                    String message = failure(context.getStartupFailure());
                    assertTrue(message.contains("glorycard.institution.enabled"), message);
                });
    }

    @Test
    void aPasswordInTheOutboxOrReplicaUrlIsRefusedWithoutShowingIt() {
        String[][] cases = {
            {"glorycard.outbox.path=postgres://his:Secr3t-pw@127.0.0.1:1/his", "glorycard.outbox.password"},
            {"glorycard.outbox.path=postgresql://his@127.0.0.1:1/his?password=Secr3t-pw", "glorycard.outbox.password"},
            {"glorycard.replica.path=postgres://his:Secr3t-pw@127.0.0.1:1/his", "glorycard.replica.password"},
        };
        for (String[] given : cases) {
            new WebApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(GlorycardAutoConfiguration.class))
                    .withPropertyValues(given[0])
                    .run(context -> {
                        String message = failure(context.getStartupFailure());
                        assertTrue(message.contains("set " + given[1]), message);
                        assertFalse(message.contains("Secr3t"), message);
                    });
        }
    }

    @Test
    void healthDetailsCarryCodesNotStorageMessages() {
        GlorycardScheduler idle = new GlorycardScheduler(new GlorycardProperties(), null, null, null);
        GlorycardHealthIndicator failing = new GlorycardHealthIndicator(idle, (GlorycardHealthIndicator.OutboxStatusSource) () -> {
            throw new StorageException("storage",
                    "PostgreSQL: FATAL 28P01: password authentication failed for user \"his_admin\" at db.hospital.example:5432");
        });
        Health health = failing.health();
        assertEquals("DOWN", health.getStatus().getCode());
        assertEquals("storage", health.getDetails().get("outbox"));
        assertFalse(health.getDetails().toString().contains("his_admin"), health.getDetails().toString());
        assertFalse(health.getDetails().toString().contains("db.hospital.example"), health.getDetails().toString());

        GlorycardHealthIndicator up = new GlorycardHealthIndicator(idle, (GlorycardHealthIndicator.OutboxStatusSource) () ->
                new OutboxStatus(2L, 0L, 5L, null));
        assertEquals("UP", up.health().getStatus().getCode());
        assertEquals(2L, up.health().getDetails().get("pending"));

        assertEquals("storage", GlorycardScheduler.codeOf(
                "storage: PostgreSQL: FATAL 28P01: password authentication failed for user \"his_admin\""));
        assertEquals("transport", GlorycardScheduler.codeOf("transport: error sending request for url (https://platform.example/)"));
        assertEquals("failed", GlorycardScheduler.codeOf("PostgreSQL at his_admin@db.hospital.example"));
        assertEquals(null, GlorycardScheduler.codeOf((String) null));
        assertEquals("storage", GlorycardScheduler.codeOf(new StorageException("storage", "user \"his_admin\"")));
    }

    @Test
    void theSanitizerMasksTheKeyAndThePasswordsInEverySpelling() {
        GlorycardSanitizingFunction sanitizer = new GlorycardSanitizingFunction();
        for (String key : new String[] {"glorycard.key", "glorycard.outbox.password", "glorycard.replica.password",
                "GLORYCARD_OUTBOX_PASSWORD", "GLORYCARD_KEY", "glorycard.Outbox.Password"}) {
            assertEquals(SanitizableData.SANITIZED_VALUE, sanitizer.apply(new SanitizableData(null, key, "Secr3t-pw")).getValue(), key);
        }
        for (String key : new String[] {"glorycard.key-file", "glorycard.outbox.path", "glorycard.sid"}) {
            assertEquals("/etc/his/x", sanitizer.apply(new SanitizableData(null, key, "/etc/his/x")).getValue(), key);
        }
    }
}
