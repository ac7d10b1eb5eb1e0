package org.glorycard.spring;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.glorycard.GlorycardException;
import org.glorycard.Outbox;
import org.glorycard.durable.OutboxStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * {@code glorycard} in Actuator's health: the outbox's pending, rejected and acknowledged
 * items and the age of the oldest pending one, and the replica's last sync. DOWN when the
 * outbox cannot be read, and when the platform refused this application's signature
 * {@code glorycard.health.auth-failures-down} drains or syncs in a row (a wrong key or sid
 * fails every call until it is fixed; the detail {@code authenticationFailure} holds the
 * code); UP otherwise (a platform outage is what the outbox is for).
 * Failures appear as their stable codes ({@code storage}, {@code transport}), never their
 * messages, which can name the database's user and host; the logs carry those.
 */
public class GlorycardHealthIndicator implements HealthIndicator {
    private static final Log log = LogFactory.getLog(GlorycardHealthIndicator.class);
    private static final DateTimeFormatter OUTBOX_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final GlorycardScheduler scheduler;
    private final OutboxStatusSource outbox;

    /** Where the outbox's status comes from ({@link Outbox#status()}; a stand-in in tests). */
    interface OutboxStatusSource {
        OutboxStatus status();
    }

    public GlorycardHealthIndicator(GlorycardScheduler scheduler, Outbox outbox) {
        this(scheduler, outbox == null ? null : (OutboxStatusSource) outbox::status);
    }

    GlorycardHealthIndicator(GlorycardScheduler scheduler, OutboxStatusSource outbox) {
        this.scheduler = scheduler;
        this.outbox = outbox;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        if (outbox != null) {
            try {
                OutboxStatus status = outbox.status();
                health.withDetail("pending", status.getPending())
                        .withDetail("rejected", status.getRejected())
                        .withDetail("acknowledged", status.getAcknowledged());
                if (status.getOldestPending() != null) {
                    // The outbox writes UTC+8 wall-clock times.
                    LocalDateTime oldest = LocalDateTime.parse(status.getOldestPending(), OUTBOX_TIME);
                    Duration age = Duration.between(oldest.toInstant(ZoneOffset.ofHours(8)), java.time.Instant.now());
                    health.withDetail("oldestPending", status.getOldestPending())
                            .withDetail("oldestPendingAgeSeconds", Math.max(0, age.getSeconds()));
                }
            } catch (GlorycardException e) {
                log.debug("glorycard health: the outbox cannot be read: " + e.getMessage());
                return Health.down().withDetail("outbox", e.getCode()).build();
            }
        }
        if (scheduler.getLastDrainFailureCode() != null) {
            health.withDetail("lastDrainFailure", scheduler.getLastDrainFailureCode());
        }
        if (scheduler.getLastSync() != null) {
            health.withDetail("lastSync", scheduler.getLastSync().toString())
                    .withDetail("lastSyncRecords", scheduler.getLastSyncProgress().getRecords());
        }
        if (scheduler.getLastSyncFailureCode() != null) {
            health.withDetail("lastSyncFailure", scheduler.getLastSyncFailureCode());
        }
        if (scheduler.isAuthenticationFailing()) {
            health.down()
                    .withDetail("authenticationFailure", scheduler.getLastAuthFailureCode())
                    .withDetail("consecutiveAuthenticationFailures", scheduler.getConsecutiveAuthFailures())
                    .withDetail("reason", "the platform refuses this application's signature: check glorycard.key and glorycard.sid");
        }
        return health.build();
    }
}
