package org.glorycard.spring;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.glorycard.GlorycardClient;
import org.glorycard.GlorycardException;
import org.glorycard.Outbox;
import org.glorycard.PlatformRejectedException;
import org.glorycard.Replica;
import org.glorycard.TransportException;
import org.glorycard.durable.DrainReport;
import org.glorycard.durable.SyncProgress;

/**
 * Drains the outbox every {@code glorycard.outbox.drain-interval} and syncs the replica every
 * {@code glorycard.replica.sync-interval} (each after the previous run ends), on one daemon
 * thread of its own, and remembers the last outcomes for the health indicator. Stopped with
 * the application context. Counts the drains and syncs in a row that the platform refused as
 * unauthenticated, for the health indicator's DOWN. A failure is remembered as its stable
 * code ({@code transport}, {@code storage}, ...), never its message: a storage message can
 * name the database's user and host, and the health endpoint may be seen by more people
 * than the logs.
 */
public class GlorycardScheduler implements AutoCloseable {
    private static final Log log = LogFactory.getLog(GlorycardScheduler.class);
    /**
     * The codes of an answer whose signature does not check out with this application's
     * key and sid: the platform signs with the key it knows, so a wrong key or sid here
     * makes every answer fail these.
     */
    private static final Set<String> SIGNATURE_CODES = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
            "signature_mismatch", "unknown_sid")));
    /** The platform's refusal of a request's signature (the sandbox's and the document's wording). */
    private static final String SIGNATURE_REFUSAL = "签名验证失败";

    /** The client's message for HTTP 401 or 403 ("HTTP status 401 after 1 attempt(s)"). */
    private static final Pattern HTTP_STATUS = Pattern.compile("HTTP status (401|403)\\b");

    private final ScheduledExecutorService executor;
    /** The outbox the schedule drains, stopped at shutdown; null when nothing is drained. */
    private final Outbox drainedOutbox;
    private final Duration shutdownTimeout;
    private final int authFailuresDown;
    private volatile int consecutiveAuthFailures;
    private volatile String lastAuthFailureCode;
    private volatile Instant lastSync;
    private volatile SyncProgress lastSyncProgress;
    private volatile String lastSyncFailureCode;
    private volatile Instant lastDrain;
    private volatile DrainReport lastDrainReport;
    private volatile String lastDrainFailureCode;

    public GlorycardScheduler(GlorycardProperties properties, GlorycardClient client, Outbox outbox, Replica replica) {
        authFailuresDown = properties.getHealth().getAuthFailuresDown();
        shutdownTimeout = properties.getOutbox().getShutdownTimeout();
        Duration drainEvery = properties.getOutbox().getDrainInterval();
        Duration syncEvery = properties.getReplica().getSyncInterval();
        boolean drains = client != null && outbox != null && drainEvery != null && !drainEvery.isZero();
        boolean syncs = client != null && replica != null && syncEvery != null && !syncEvery.isZero();
        drainedOutbox = drains ? outbox : null;
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
            recordDrainAuthentication(report.getAcknowledged(), report.getLastFailure());
            if (report.getAcknowledged() + report.getRejected() > 0 || report.getGaveUp()) {
                log.info("glorycard outbox drained: " + report.getAcknowledged() + " acknowledged, " + report.getRejected()
                        + " rejected, " + report.getPending() + " pending" + (report.getGaveUp() ? " (gave up: " + report.getLastFailure() + ")" : ""));
            }
        } catch (RuntimeException e) {
            // Never ends the schedule: the next run tries again. The message holds no personal data.
            lastDrainFailureCode = codeOf(e);
            recordAuthFailure(authFailureCode(e));
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
            recordAuthenticated();
        } catch (RuntimeException e) {
            lastSyncFailureCode = codeOf(e);
            recordAuthFailure(authFailureCode(e));
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

    /**
     * True once {@code glorycard.health.auth-failures-down} drains or syncs in a row were
     * refused as unauthenticated (never when that setting is 0).
     */
    public boolean isAuthenticationFailing() {
        return authFailuresDown > 0 && consecutiveAuthFailures >= authFailuresDown;
    }

    /** How many drains and syncs in a row the platform refused as unauthenticated. */
    public int getConsecutiveAuthFailures() { return consecutiveAuthFailures; }

    /** The code of the last refusal as unauthenticated ({@code signature_mismatch}, {@code http_401}, ...), or null. */
    public String getLastAuthFailureCode() { return lastAuthFailureCode; }

    /**
     * A drain's outcome for the authentication count: an acknowledged item proves the key
     * (the answer's signature checked out); else a last failure that is an authentication
     * failure counts one; a drain that called nothing, or failed otherwise, changes nothing.
     */
    void recordDrainAuthentication(long acknowledged, String lastFailure) {
        if (acknowledged > 0) {
            recordAuthenticated();
        } else {
            recordAuthFailure(authFailureCode(lastFailure));
        }
    }

    /** Counts one refusal when {@code authFailureCode} is not null; any other failure changes nothing. */
    void recordAuthFailure(String authFailureCode) {
        if (authFailureCode == null) {
            return;
        }
        // Drain and sync run on the one scheduler thread: no lost update.
        consecutiveAuthFailures = consecutiveAuthFailures + 1;
        lastAuthFailureCode = authFailureCode;
        if (authFailuresDown > 0 && consecutiveAuthFailures == authFailuresDown) {
            log.error("glorycard: the platform refused this application's signature " + consecutiveAuthFailures
                    + " times in a row (" + authFailureCode + "): check glorycard.key and glorycard.sid; health is DOWN");
        }
    }

    /** A call the platform answered with a signature this application's key verifies. */
    void recordAuthenticated() {
        if (consecutiveAuthFailures > 0) {
            log.info("glorycard: the platform accepted this application's signature again");
        }
        consecutiveAuthFailures = 0;
        lastAuthFailureCode = null;
    }

    /**
     * The code when {@code failure} says the platform did not authenticate this application
     * (its answer's signature fails with this key or sid, HTTP 401/403, or a refusal
     * {@value #SIGNATURE_REFUSAL}), or null.
     */
    static String authFailureCode(RuntimeException failure) {
        if (failure instanceof TransportException) {
            Integer status = ((TransportException) failure).getHttpStatus();
            return status != null && (status == 401 || status == 403) ? "http_" + status : null;
        }
        if (failure instanceof PlatformRejectedException) {
            String message = ((PlatformRejectedException) failure).getPlatformMessage();
            return message != null && message.contains(SIGNATURE_REFUSAL) ? "platform_rejected_signature" : null;
        }
        if (failure instanceof GlorycardException && SIGNATURE_CODES.contains(((GlorycardException) failure).getCode())) {
            return ((GlorycardException) failure).getCode();
        }
        return null;
    }

    /** The same for a drain report's last failure ({@code "<code>: <message>"}), or null. */
    static String authFailureCode(String lastFailure) {
        String code = codeOf(lastFailure);
        if (code == null) {
            return null;
        }
        if (SIGNATURE_CODES.contains(code)) {
            return code;
        }
        if (code.equals("http_status")) {
            Matcher status = HTTP_STATUS.matcher(lastFailure);
            return status.find() ? "http_" + status.group(1) : null;
        }
        return code.equals("platform_rejected") && lastFailure.contains(SIGNATURE_REFUSAL) ? "platform_rejected_signature" : null;
    }

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

    /**
     * Stops the schedule: no run starts any more; the running drain starts no more calls,
     * waits for those in flight, records their outcomes, releases the outbox's drain lock
     * and returns, so that the next instance drains at once without {@code conflict}. Waits
     * for it up to {@code glorycard.outbox.shutdown-timeout}.
     */
    @Override
    public void close() throws InterruptedException {
        if (executor == null) {
            return;
        }
        // No interrupt: it would not cut a native call, and a drain must record what it sent.
        executor.shutdown();
        if (drainedOutbox != null) {
            try {
                drainedOutbox.stopDraining();
            } catch (RuntimeException e) {
                log.warn("glorycard: could not stop the outbox drain (" + codeOf(e) + "): " + e.getMessage());
            }
        }
        if (!executor.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("glorycard: the outbox drain or replica sync did not return within glorycard.outbox.shutdown-timeout ("
                    + shutdownTimeout + "); closing anyway (an item whose outcome is unrecorded is sent again by the next drain,"
                    + " with the same deductionID)");
            executor.shutdownNow();
        }
    }

    /** True once {@link #close()} has ended the schedule and no drain or sync is running. */
    boolean isStopped() {
        return executor == null || executor.isTerminated();
    }
}
