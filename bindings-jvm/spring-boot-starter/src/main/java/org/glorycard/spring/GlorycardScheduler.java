package org.glorycard.spring;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.glorycard.GlorycardException;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.Replica;
import org.glorycard.durable.DrainReport;
import org.glorycard.durable.SyncProgress;

/**
 * Drains the outbox every {@code glorycard.outbox.drain-interval} and syncs the replica every
 * {@code glorycard.replica.sync-interval} (each after the previous run ends), on one daemon
 * thread of its own, and remembers the last outcomes for the health indicator. Stopped with
 * the application context. A failure is remembered as its stable code ({@code transport},
 * {@code storage}, ...), never its message: a storage message can name the database's user
 * and host, and the health endpoint may be seen by more people than the logs.
 */
public class GlorycardScheduler implements AutoCloseable {
    private static final Log log = LogFactory.getLog(GlorycardScheduler.class);

    private final ScheduledExecutorService executor;
    private volatile Instant lastSync;
    private volatile SyncProgress lastSyncProgress;
    private volatile String lastSyncFailureCode;
    private volatile Instant lastDrain;
    private volatile DrainReport lastDrainReport;
    private volatile String lastDrainFailureCode;

    public GlorycardScheduler(GlorycardProperties properties, GlorycardClient client, Outbox outbox, Replica replica) {
        Duration drainEvery = properties.getOutbox().getDrainInterval();
        Duration syncEvery = properties.getReplica().getSyncInterval();
        boolean drains = client != null && outbox != null && drainEvery != null && !drainEvery.isZero();
        boolean syncs = client != null && replica != null && syncEvery != null && !syncEvery.isZero();
        if (!drains && !syncs) {
            executor = null;
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "glorycard-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        if (drains) {
            int concurrency = properties.getOutbox().getConcurrency();
            executor.scheduleWithFixedDelay(() -> drain(client, outbox, concurrency, drainEvery),
                    0, drainEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (syncs) {
            executor.scheduleWithFixedDelay(() -> sync(client, replica), 0, syncEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void drain(GlorycardClient client, Outbox outbox, int concurrency, Duration interval) {
        try {
            // Give up on an unreachable platform before the next run is due.
            DrainReport report = outbox.drain(client, concurrency, interval.compareTo(Duration.ofSeconds(10)) > 0 ? interval : Duration.ofSeconds(10));
            lastDrainReport = report;
            lastDrainFailureCode = codeOf(report.getLastFailure());
            if (report.getAcknowledged() + report.getRejected() > 0 || report.getGaveUp()) {
                log.info("glorycard outbox drained: " + report.getAcknowledged() + " acknowledged, " + report.getRejected()
                        + " rejected, " + report.getPending() + " pending" + (report.getGaveUp() ? " (gave up: " + report.getLastFailure() + ")" : ""));
            }
        } catch (RuntimeException e) {
            // Never ends the schedule: the next run tries again. The message holds no personal data.
            lastDrainFailureCode = codeOf(e);
            log.warn("glorycard outbox drain failed: " + e.getMessage());
        } finally {
            lastDrain = Instant.now();
        }
    }

    private void sync(GlorycardClient client, Replica replica) {
        try {
            lastSyncProgress = replica.sync(client);
            lastSyncFailureCode = null;
            lastSync = Instant.now();
        } catch (RuntimeException e) {
            lastSyncFailureCode = codeOf(e);
            log.warn("glorycard replica sync failed: " + e.getMessage());
        }
    }

    /** When the last successful sync ended, or null. */
    public Instant getLastSync() { return lastSync; }

    /** What the last successful sync applied, or null. */
    public SyncProgress getLastSyncProgress() { return lastSyncProgress; }

    /** The code of the last sync's failure, or null when it succeeded. */
    public String getLastSyncFailureCode() { return lastSyncFailureCode; }

    /** When the last drain ended, or null. */
    public Instant getLastDrain() { return lastDrain; }

    /** The last drain's report, or null. */
    public DrainReport getLastDrainReport() { return lastDrainReport; }

    /** The code of the last drain's failure (of the drain, or of its last failed call), or null. */
    public String getLastDrainFailureCode() { return lastDrainFailureCode; }

    /** The failure's stable code: the SDK's, or the exception's class name for any other. */
    static String codeOf(RuntimeException failure) {
        return failure instanceof GlorycardException ? ((GlorycardException) failure).getCode() : failure.getClass().getSimpleName();
    }

    /**
     * The code of a drain report's last failure, which reads {@code "<code>: <message>"}; null
     * for none, {@code "failed"} when it does not start with a code.
     */
    static String codeOf(String lastFailure) {
        if (lastFailure == null) {
            return null;
        }
        int colon = lastFailure.indexOf(':');
        String code = colon < 0 ? "" : lastFailure.substring(0, colon);
        return code.matches("[a-z][a-z0-9_]{0,63}") ? code : "failed";
    }

    @Override
    public void close() throws InterruptedException {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}
