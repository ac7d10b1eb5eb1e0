package org.glorycard.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code glorycard.*} properties of a Spring Boot HIS. {@link #toString()} never shows
 * the key or a database password.
 */
@ConfigurationProperties(prefix = "glorycard")
public class GlorycardProperties {
    /** The platform's base URL ({@code https://…}); no client without it. */
    private String baseUrl;
    /** The account id the platform issued. */
    private String sid;
    /** The secret key (prefer {@link #keyFile} or an environment variable). */
    private String key;
    /** A file holding the secret key (one trailing newline is ignored). */
    private String keyFile;
    /** The institution's {@code orgCode}. */
    private String orgCode;
    /** A PEM file of root certificates to trust beside the system's (a hospital CA, the sandbox's). */
    private String caCertificate;
    /** Allows a plain {@code http://} base URL for a loopback host (local tests only). */
    private boolean allowHttp;
    /** Accepts unsigned platform answers (a deployment quirk; the document requires signatures). */
    private boolean acceptUnsignedResponses;
    private final Outbox outbox = new Outbox();
    private final Replica replica = new Replica();
    private final Institution institution = new Institution();
    private final DeductCheck deductCheck = new DeductCheck();
    private final HealthSettings health = new HealthSettings();

    /** {@code glorycard.health.*}: when the health indicator reports DOWN. */
    public static class HealthSettings {
        /**
         * DOWN after this many drains or syncs in a row that the platform refused as
         * unauthenticated (a wrong key or sid: {@code signature_mismatch}, HTTP 401/403); UP
         * again after one that succeeds. 0 turns this off.
         */
        private int authFailuresDown = 3;

        public int getAuthFailuresDown() { return authFailuresDown; }
        public void setAuthFailuresDown(int authFailuresDown) { this.authFailuresDown = authFailuresDown; }
    }

    /** {@code glorycard.institution.*}: the institution's side of the platform, served by this application. */
    public static class Institution {
        /** Serves the platform's {@code /deductCheck} (off unless set: a client-only HIS serves nothing). */
        private boolean enabled;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
    }

    /** {@code glorycard.outbox.*}. */
    public static class Outbox {
        /** The outbox's SQLite file, or a {@code postgres://} URL without a password; no outbox without it. */
        private String path;
        /** The PostgreSQL password of {@link #path} (a key Spring Boot masks; never in the URL). */
        private String password;
        /** Drains the outbox this often (none when unset). */
        private Duration drainInterval;
        /** Calls in flight during a drain. */
        private int concurrency = 8;
        /**
         * At shutdown, how long to wait for the running drain to return: it starts no more
         * calls, waits for those in flight (each cut at the drain's call deadline, 40 s by
         * default), records them and releases its lock.
         */
        private Duration shutdownTimeout = Duration.ofSeconds(45);

        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
        public Duration getDrainInterval() { return drainInterval; }
        public void setDrainInterval(Duration drainInterval) { this.drainInterval = drainInterval; }
        public int getConcurrency() { return concurrency; }
        public void setConcurrency(int concurrency) { this.concurrency = concurrency; }
        public Duration getShutdownTimeout() { return shutdownTimeout; }
        public void setShutdownTimeout(Duration shutdownTimeout) { this.shutdownTimeout = shutdownTimeout; }
    }

    /** {@code glorycard.replica.*}. */
    public static class Replica {
        /** The roster replica's SQLite file, or a {@code postgres://} URL without a password; no replica without it. */
        private String path;
        /** The PostgreSQL password of {@link #path} (a key Spring Boot masks; never in the URL). */
        private String password;
        /** Syncs the replica this often (none when unset). */
        private Duration syncInterval;

        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
        public Duration getSyncInterval() { return syncInterval; }
        public void setSyncInterval(Duration syncInterval) { this.syncInterval = syncInterval; }
    }

    /** {@code glorycard.deduct-check.*}: the endpoint {@code glorycard.institution.enabled} serves. */
    public static class DeductCheck {
        /** Its path. */
        private String path = "/deductCheck";
        /** (sid, timestamp, sign) triples remembered against replays: at least 1. */
        private int replayCapacity = org.glorycard.DeductCheckHandler.DEFAULT_REPLAY_CAPACITY;
        /** The largest request body read (larger: HTTP 413). */
        private int maxBodyBytes = org.glorycard.DeductCheckHandler.DEFAULT_MAX_BODY_BYTES;

        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public int getReplayCapacity() { return replayCapacity; }
        public void setReplayCapacity(int replayCapacity) { this.replayCapacity = replayCapacity; }
        public int getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
    }

    public String getBaseUrl() { return baseUrl; }
    public void setBaseUrl(String baseUrl) { this.baseUrl = baseUrl; }
    public String getSid() { return sid; }
    public void setSid(String sid) { this.sid = sid; }
    public String getKey() { return key; }
    public void setKey(String key) { this.key = key; }
    public String getKeyFile() { return keyFile; }
    public void setKeyFile(String keyFile) { this.keyFile = keyFile; }
    public String getOrgCode() { return orgCode; }
    public void setOrgCode(String orgCode) { this.orgCode = orgCode; }
    public String getCaCertificate() { return caCertificate; }
    public void setCaCertificate(String caCertificate) { this.caCertificate = caCertificate; }
    public boolean isAllowHttp() { return allowHttp; }
    public void setAllowHttp(boolean allowHttp) { this.allowHttp = allowHttp; }
    public boolean isAcceptUnsignedResponses() { return acceptUnsignedResponses; }
    public void setAcceptUnsignedResponses(boolean accept) { this.acceptUnsignedResponses = accept; }
    public Outbox getOutbox() { return outbox; }
    public Replica getReplica() { return replica; }
    public Institution getInstitution() { return institution; }
    public DeductCheck getDeductCheck() { return deductCheck; }
    public HealthSettings getHealth() { return health; }

    @Override
    public String toString() {
        return "GlorycardProperties(baseUrl=" + baseUrl + ", sid=" + sid + ", orgCode=" + orgCode + ", key=***)";
    }
}
