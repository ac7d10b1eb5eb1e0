package org.glorycard

import java.nio.file.Path
import java.time.Duration
import org.glorycard.durable.DrainReport
import org.glorycard.durable.Enqueued
import org.glorycard.durable.OutboxEntry
import org.glorycard.durable.OutboxStatus
import org.glorycard.durable.RejectedItem

/**
 * A durable queue of deductions and cancellations for the platform, in one SQLite file:
 * the Rust outbox (`glorycard-durable`), so the same file, guarantees and errors as the
 * `glorycard outbox` command.
 *
 * [enqueue] validates the record and commits it to disk (it survives a crash or a power
 * cut) before it returns, whether or not the platform is reachable; enqueuing the same
 * record again is a no-op. [drain] delivers what is pending: the items of one
 * `deductionID` strictly in order (a cancellation never overtakes its deduction), others
 * concurrently, each marked acknowledged once the platform accepts it, refusals set aside
 * as [rejected], transport failures retried. A process killed mid-drain loses nothing.
 *
 * Thread-safe; one drain at a time per file (a second throws [StorageException] `conflict`).
 *
 * ```java
 * try (Outbox outbox = Outbox.open("/var/lib/his/glorycard-outbox.db")) {
 *     outbox.enqueue(deduction);          // in the HIS transaction's aftermath
 *     DrainReport report = outbox.drain(client);
 * }
 * ```
 */
class Outbox private constructor(internal val inner: org.glorycard.ffi.Outbox, private val location: String) : AutoCloseable {
    companion object {
        /**
         * Opens the outbox at [path], creating it (mode 0600) when missing: a SQLite file, or a
         * `postgres://` URL for an outbox every node of a cluster shares.
         */
        @JvmStatic
        fun open(path: String): Outbox {
            requireField(path, "path")
            NativeLogging.install()
            val inner = native { org.glorycard.ffi.Outbox.open(path) }
            return Outbox(inner, inner.location())
        }

        /** Opens the outbox at [path]. */
        @JvmStatic
        fun open(path: Path): Outbox = open(path.toString())

        /**
         * Opens the outbox in the PostgreSQL database at [url] (which holds no password) with
         * [password] kept apart from it: from a secret property of its own, which
         * configuration tools mask where they would show a URL as it is. A null [password]
         * opens [url] as [open] does (PGPASSWORD then applies, as for libpq). Throws
         * [ConfigException] `config` for a file path or a URL holding a password.
         */
        @JvmStatic
        fun open(url: String, password: String?): Outbox {
            requireField(url, "url")
            return open(DatabaseLocation.withPassword(url, password))
        }
    }

    /** Validates and commits a deduction. */
    fun enqueue(deduction: Deduction): Enqueued {
        requireWellFormed(deduction, "")
        return native { inner.enqueueDeduction(deduction) }
    }

    /** Validates and commits a cancellation. */
    fun enqueue(cancellation: Cancellation): Enqueued {
        requireWellFormed(cancellation, "")
        return native { inner.enqueueCancellation(cancellation) }
    }

    /**
     * Validates every item ([Deduction]s and [Cancellation]s, in order), then commits them
     * all in one transaction, or none: an invalid item throws naming `entries[i].field`.
     */
    fun enqueueAll(items: List<*>): List<Enqueued> {
        val entries = items.mapIndexed { index, item ->
            when (item) {
                is Deduction -> OutboxEntry.Deduction(item.also { requireWellFormed(it, "entries[$index].") })
                is Cancellation -> OutboxEntry.Cancellation(item.also { requireWellFormed(it, "entries[$index].") })
                is OutboxEntry -> item
                else -> throw ValidationException(
                    "invalid_field",
                    "invalid field entries[$index]: a ${item?.javaClass?.name ?: "null"}, not a Deduction or a Cancellation",
                    "entries[$index]",
                )
            }
        }
        return native { inner.enqueueAll(entries) }
    }

    /** Delivers every pending item through [client] (8 calls at once; gives up after 120 s without progress). */
    fun drain(client: GlorycardClient): DrainReport = native { inner.drain(client.inner, null, null) }

    /** Delivers every pending item, [concurrency] calls at once, giving up after [patience] without progress. */
    fun drain(client: GlorycardClient, concurrency: Int, patience: Duration): DrainReport =
        native { inner.drain(client.inner, concurrency.coerceAtLeast(1).toUInt(), if (patience.isNegative) Duration.ZERO else patience) }

    /**
     * Stops this outbox's drains for good, for an application shutting down: a [drain]
     * running on another thread starts no further call, waits for its calls in flight,
     * records them, frees the outbox's lock (or its leases) and returns; later drains of
     * this object return at once. Open the outbox again to drain.
     */
    fun stopDraining() = inner.stopDraining()

    /** How many items are pending, acknowledged and rejected, and the oldest pending one's age. */
    fun status(): OutboxStatus = native { inner.status() }

    /** The items the platform refused, with its message. */
    fun rejected(): List<RejectedItem> = native { inner.rejected() }

    /** Moves a rejected item back to pending (after fixing the cause); false when [seq] is not rejected. */
    fun requeue(seq: Long): Boolean = native { inner.requeue(seq) }

    /**
     * The deductions of [orgCode] with `deductionTime` in `[start, end]`
     * (`yyyy-MM-dd HH:mm:ss`), as `/deductCheck` answers from the outbox.
     */
    fun deductionsBetween(orgCode: String, start: String, end: String): List<DeductCheckRecord> {
        requireField(orgCode, "orgCode")
        requireField(start, "start")
        requireField(end, "end")
        return native { inner.deductionsBetween(orgCode, start, end) }
    }

    /** Closes the file. */
    override fun close() = inner.close()

    /** `Outbox(<file or URL without its password>)`. */
    override fun toString(): String = "Outbox($location)"
}
