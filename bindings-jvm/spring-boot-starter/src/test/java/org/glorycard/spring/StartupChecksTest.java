package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.glorycard.Sandbox;
import org.glorycard.PlatformRejectedException;
import org.glorycard.StorageException;
import org.glorycard.TransportException;
import org.glorycard.UntrustedResponseException;
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
    void healthIsDownAfterNAuthenticationFailuresInARowAndUpAfterASuccess() {
        GlorycardProperties properties = new GlorycardProperties();
        properties.getHealth().setAuthFailuresDown(3);
        GlorycardScheduler scheduler = new GlorycardScheduler(properties, null, null, null);
        GlorycardHealthIndicator indicator = new GlorycardHealthIndicator(scheduler, (GlorycardHealthIndicator.OutboxStatusSource) () ->
                new OutboxStatus(2L, 0L, 5L, null));
        scheduler.recordAuthFailure(GlorycardScheduler.authFailureCode(
                new UntrustedResponseException("signature_mismatch", "response signature rejected", true)));
        scheduler.recordDrainAuthentication(0, "signature_mismatch: response signature rejected: signature_mismatch");
        // A transport failure neither counts nor resets.
        scheduler.recordAuthFailure(GlorycardScheduler.authFailureCode(new TransportException("timeout", "timed out", true, null)));
        assertEquals("UP", indicator.health().getStatus().getCode());
        scheduler.recordAuthFailure(GlorycardScheduler.authFailureCode(new TransportException("http_status", "HTTP status 401", false, 401)));
        Health down = indicator.health();
        assertEquals("DOWN", down.getStatus().getCode(), down.toString());
        assertEquals("http_401", down.getDetails().get("authenticationFailure"));
        assertEquals(3, down.getDetails().get("consecutiveAuthenticationFailures"));
        assertEquals(2L, down.getDetails().get("pending"));

        scheduler.recordAuthenticated();
        assertEquals("UP", indicator.health().getStatus().getCode());
        assertFalse(indicator.health().getDetails().containsKey("authenticationFailure"));
        // A drain with an acknowledged item is a success too.
        for (int i = 0; i < 3; i++) {
            scheduler.recordDrainAuthentication(0, "http_status: HTTP status 403 after 1 attempt(s)");
        }
        assertEquals("DOWN", indicator.health().getStatus().getCode());
        scheduler.recordDrainAuthentication(1, "signature_mismatch: response signature rejected");
        assertEquals("UP", indicator.health().getStatus().getCode());

        assertEquals("platform_rejected_signature", GlorycardScheduler.authFailureCode(
                new PlatformRejectedException("platform_rejected", "platform_rejected: 签名验证失败", "签名验证失败 signature verification failed")));
        assertEquals(null, GlorycardScheduler.authFailureCode(
                new PlatformRejectedException("platform_rejected", "platform_rejected: 重复上传", "重复上传")));
        assertEquals(null, GlorycardScheduler.authFailureCode("http_status: HTTP status 500 after 3 attempt(s)"));
        assertEquals(null, GlorycardScheduler.authFailureCode((String) null));
        assertEquals("unknown_sid", GlorycardScheduler.authFailureCode("unknown_sid: response signature rejected: unknown sid"));

        properties.getHealth().setAuthFailuresDown(0);
        GlorycardScheduler never = new GlorycardScheduler(properties, null, null, null);
        for (int i = 0; i < 10; i++) {
            never.recordAuthFailure("signature_mismatch");
        }
        assertFalse(never.isAuthenticationFailing());
    }

    @Test
    void onlyAPlainPlaceholderNameIsEchoed() {
        assertEquals("${GLORYCARD_KEY}", GlorycardAutoConfiguration.unresolvedPlaceholder("${GLORYCARD_KEY}"));
        assertEquals("${GLORYCARD_KEY}", GlorycardAutoConfiguration.unresolvedPlaceholder("${GLORYCARD_KEY:${OTHER}}"));
        assertEquals("${…}", GlorycardAutoConfiguration.unresolvedPlaceholder("abc${Secr3t key}"));
        assertEquals(null, GlorycardAutoConfiguration.unresolvedPlaceholder("jvm-sandbox-key-4fd6b8105f894d0d"));
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
