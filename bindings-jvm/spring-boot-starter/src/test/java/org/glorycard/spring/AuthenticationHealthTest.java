package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.glorycard.Sandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Health turns DOWN once the platform has refused this application's signature
 * {@code glorycard.health.auth-failures-down} times in a row (here: a wrong key against the
 * sandbox, every replica sync failing with {@code signature_mismatch}), with the code as the
 * reason and never the key.
 */
class AuthenticationHealthTest {
    private static final String WRONG_KEY = "wrong-key-0123456789abcdef012345";

    static Sandbox sandbox;
    static Path dir;

    @BeforeAll
    static void startTheSandbox() throws IOException {
        sandbox = Sandbox.start();
        dir = Files.createTempDirectory("glorycard-auth-health");
    }

    @AfterAll
    static void stopTheSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private ApplicationContextRunner his(String key) throws IOException {
        Path ca = Files.write(dir.resolve("sandbox.pem"), sandbox.caPem.getBytes(StandardCharsets.UTF_8));
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GlorycardAutoConfiguration.class))
                .withPropertyValues(
                        "glorycard.base-url=" + sandbox.url,
                        "glorycard.sid=" + Sandbox.SID,
                        "glorycard.key=" + key,
                        "glorycard.org-code=" + Sandbox.ORG_CODE,
                        "glorycard.ca-certificate=" + ca,
                        "glorycard.replica.path=" + dir.resolve(key + ".db"),
                        "glorycard.replica.sync-interval=100ms",
                        "glorycard.health.auth-failures-down=2");
    }

    /** The health once it is no longer UP, or the last one seen after 60 s. */
    private static Health healthOnceNotUp(HealthIndicator indicator) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        Health health = indicator.health();
        while ("UP".equals(health.getStatus().getCode()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            health = indicator.health();
        }
        return health;
    }

    @Test
    void aWrongKeyTurnsHealthDownWithTheCode() throws Exception {
        his(WRONG_KEY).run(context -> {
            HealthIndicator indicator = context.getBean("glorycardHealthIndicator", HealthIndicator.class);
            Health health = healthOnceNotUp(indicator);
            assertEquals("DOWN", health.getStatus().getCode(), health.toString());
            assertEquals("signature_mismatch", health.getDetails().get("authenticationFailure"), health.toString());
            assertEquals(true, ((Number) health.getDetails().get("consecutiveAuthenticationFailures")).intValue() >= 2, health.toString());
            assertFalse(health.toString().contains(WRONG_KEY), health.toString());
        });
    }

    @Test
    void theRightKeyStaysUp() throws Exception {
        his(Sandbox.KEY).run(context -> {
            GlorycardScheduler scheduler = context.getBean(GlorycardScheduler.class);
            long deadline = System.currentTimeMillis() + 60_000;
            while (scheduler.getLastSync() == null && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            Health health = context.getBean("glorycardHealthIndicator", HealthIndicator.class).health();
            assertEquals("UP", health.getStatus().getCode(), health.toString());
            assertNull(health.getDetails().get("authenticationFailure"), health.toString());
        });
    }
}
