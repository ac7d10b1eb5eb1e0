package org.glorycard

import java.nio.file.Path
import org.glorycard.durable.HolderMatch
import org.glorycard.durable.SyncProgress
import org.glorycard.ffi.SyncListener

/** Told after each page a [Replica.sync] applies. */
fun interface SyncProgressListener {
    /** Where the sync stands (pages, records, checkpoint, elapsed). */
    fun onProgress(progress: SyncProgress)
}

/**
 * A local copy of the platform's roster in one SQLite file, for lookups at the counter
 * without a network call: the Rust replica (`glorycard-durable`), so the same file,
 * guarantees and errors as the `glorycard replica` command. Each page is applied with its
 * checkpoint in one transaction: a sync killed at any point resumes where it stopped.
 *
 * ```java
 * try (Replica replica = Replica.open("/var/lib/his/glorycard-roster.db")) {
 *     replica.sync(client, p -> log.info("{} records", p.getRecords()));
 *     List<HolderMatch> found = replica.lookup(CertType.RESIDENT_ID, certNo, name);
 * }
 * ```
 */
class Replica private constructor(private val inner: org.glorycard.ffi.Replica, private val location: String) : AutoCloseable {
    companion object {
        /**
         * Opens the replica at [path], creating an empty one when missing: a SQLite file, or a
         * `postgres://` URL (one sync at a time, lookups from every node).
         */
        @JvmStatic
        fun open(path: String): Replica {
            requireField(path, "path")
            NativeLogging.install()
            val inner = native { org.glorycard.ffi.Replica.open(path) }
            return Replica(inner, inner.location())
        }

        /** Opens the replica at [path]. */
        @JvmStatic
        fun open(path: Path): Replica = open(path.toString())

        /**
         * Opens the replica in the PostgreSQL database at [url] (which holds no password) with
         * [password] kept apart from it: from a secret property of its own, which
         * configuration tools mask where they would show a URL as it is. A null [password]
         * opens [url] as [open] does (PGPASSWORD then applies, as for libpq). Throws
         * [ConfigException] `config` for a file path or a URL holding a password.
         */
        @JvmStatic
        fun open(url: String, password: String?): Replica {
            requireField(url, "url")
            return open(DatabaseLocation.withPassword(url, password))
        }
    }

    /** Fetches and applies every page after the checkpoint. */
    fun sync(client: GlorycardClient): SyncProgress = native { inner.sync(client.inner, null) }

    /**
     * Fetches and applies every page after the checkpoint, calling [listener] after each.
     * An exception the listener throws does not stop the sync; the first one is rethrown
     * when it ends (the pages stay applied).
     */
    fun sync(client: GlorycardClient, listener: SyncProgressListener): SyncProgress {
        val forward = ForwardingListener(listener)
        val done = native { inner.sync(client.inner, forward) }
        forward.thrown?.let { throw it }
        return done
    }

    /**
     * The holders of [certType] (a [CertType] code) and [certNo]: exact matches, then, when
     * [certName] is given, holders whose number the platform sent masked and whose visible
     * characters and name match (partial).
     */
    @JvmOverloads
    fun lookup(certType: String, certNo: String, certName: String? = null): List<HolderMatch> {
        requireField(certType, "certType")
        requireField(certNo, "certNo")
        requireField(certName, "certName")
        return native { inner.lookup(certType, certNo, certName) }
    }

    /** The largest `dataID` applied: where the next sync resumes. */
    fun checkpoint(): Long = native { inner.checkpoint() }

    /** The number of holders. */
    fun size(): Long = native { inner.size() }

    /** Closes the file. */
    override fun close() = inner.close()

    /** `Replica(<file or URL without its password>)`. */
    override fun toString(): String = "Replica($location)"

    /** Never throws into the native sync: keeps the first exception for the caller. */
    private class ForwardingListener(private val listener: SyncProgressListener) : SyncListener {
        @Volatile var thrown: Throwable? = null

        override fun progress(progress: SyncProgress) {
            try {
                listener.onProgress(progress)
            } catch (e: Throwable) {
                if (thrown == null) thrown = e
            }
        }
    }
}
