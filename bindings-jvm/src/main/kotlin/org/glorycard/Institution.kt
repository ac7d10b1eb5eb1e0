package org.glorycard

import java.io.InputStream
import java.util.Collections
import org.glorycard.ffi.SidKey
import org.glorycard.ffi.SignedResponse
import org.glorycard.ffi.SourceFailure

/**
 * Where the institution's deductions come from, for the platform's reconciliation
 * (`/deductCheck`): the HIS implements it over its own ledger (or passes its [Outbox] to
 * [DeductCheckHandler.Builder.outbox]).
 */
fun interface DeductionSource {
    /**
     * Every deduction of [orgCode] whose `deductionTime` lies in `[start, end]`
     * (`yyyy-MM-dd HH:mm:ss`, inclusive), with its status ([DeductionStatus]: `"1"` deducted, `"0"` cancelled) and
     * `cancelTime`. Called on a native pool thread; may block on the database. An exception
     * becomes a signed refusal naming only its class (its message could hold personal data).
     */
    fun deductionsBetween(orgCode: String, start: String, end: String): List<DeductCheckRecord>
}

/**
 * The platform's `POST /deductCheck`, for any HTTP server: [handle] takes the request's
 * headers and exact body and returns the [SignedResponse] to write back, always signed.
 * It verifies the call (every key of the sid, the skew window, a replay cache), refuses
 * one that fails before authentication with a fixed message that echoes nothing, checks
 * the `orgCode` and the window, asks the [DeductionSource], and signs the answer. It is
 * the Rust endpoint (`glorycard-client`'s `institution`), as `glorycard institution serve`
 * runs it. Thread-safe.
 *
 * Mount it with [org.glorycard.servlet.javax.DeductCheckServlet] or
 * [org.glorycard.servlet.jakarta.DeductCheckServlet], or the Spring Boot starter.
 *
 * ```java
 * DeductCheckHandler handler = DeductCheckHandler.builder(sid, new SecretKey(key))
 *     .orgCode("106607")
 *     .source((org, start, end) -> ledger.deductionsBetween(org, start, end))
 *     .build();
 * ```
 */
class DeductCheckHandler private constructor(private val inner: org.glorycard.ffi.DeductCheckHandler) : AutoCloseable {
    companion object {
        /** Starts a handler for calls signed by [sid] with [key] (which also signs the answers). */
        @JvmStatic
        fun builder(sid: String, key: SecretKey): Builder = Builder().key(sid, key)

        /** The default number of (sid, timestamp, sign) triples the replay cache remembers. */
        const val DEFAULT_REPLAY_CAPACITY: Int = 1_000_000

        /** The largest `/deductCheck` body the servlets read by default, as the Rust server's: 64 KiB. */
        const val DEFAULT_MAX_BODY_BYTES: Int = 64 * 1024
    }

    /** The signed answer to one call; `headers` as received (any case), `body` the exact bytes. */
    fun handle(headers: Map<String, List<String>>, body: ByteArray): SignedResponse = handle(headers, body, null)

    /** [handle], naming the caller's address ([peer]) in the log of a refusal. */
    fun handle(headers: Map<String, List<String>>, body: ByteArray, peer: String?): SignedResponse {
        // A header without a UTF-8 form cannot be a valid signature header: left out, so
        // the call is refused as unauthenticated (signed, echoing nothing), never thrown.
        val wellFormed = HashMap<String, List<String>>(headers.size)
        for ((name, values) in headers) {
            if (loneSurrogate(name) >= 0) continue
            wellFormed[name] = values.filter { loneSurrogate(it) < 0 }
        }
        val peerText = peer?.takeIf { loneSurrogate(it) < 0 }
        return native { inner.handle(wellFormed, body, peerText) }
    }

    /**
     * Reads the body from [input], at most [maxBodyBytes] ([declaredLength] is the request's
     * `Content-Length`, -1 when unknown), and [handle]s it. A larger body is not read
     * further: the answer is status 413 with no body and no signature, as the Rust server's.
     * For HTTP adapters (the servlets, the Spring Boot starter's controller).
     */
    @JvmOverloads
    fun handle(
        headers: Map<String, List<String>>,
        input: InputStream,
        declaredLength: Long,
        peer: String?,
        maxBodyBytes: Int = DEFAULT_MAX_BODY_BYTES,
    ): SignedResponse {
        val body = readBodyAtMost(input, declaredLength, maxBodyBytes)
            ?: return SignedResponse(413, emptyMap(), ByteArray(0))
        return handle(headers, body, peer)
    }

    /** Releases the handler. */
    override fun close() = inner.close()

    override fun toString(): String = "DeductCheckHandler(${inner})"

    /** Configures a [DeductCheckHandler]: keys, `orgCode` and a source are required. */
    class Builder internal constructor() {
        private val keys = ArrayList<SidKey>()
        private var orgCode: String? = null
        private var replayCapacity: Int = DEFAULT_REPLAY_CAPACITY
        private var source: DeductionSource? = null
        private var outbox: Outbox? = null

        /**
         * A key of a sid the platform calls with. The first key added signs the answers;
         * add the sid's next key during a rotation (both then verify).
         */
        fun key(sid: String, key: SecretKey) = apply {
            requireField(sid, "sid")
            keys.add(SidKey(sid, key))
        }

        /** The institution's `orgCode`: calls for another are refused. */
        fun orgCode(orgCode: String) = apply {
            requireField(orgCode, "orgCode")
            this.orgCode = orgCode
        }

        /** Triples remembered against replays (0: no replay check). Default [DEFAULT_REPLAY_CAPACITY]. */
        fun replayCapacity(capacity: Int) = apply { this.replayCapacity = capacity.coerceAtLeast(0) }

        /** The HIS's ledger answers. */
        fun source(source: DeductionSource) = apply {
            this.source = source
            this.outbox = null
        }

        /** The outbox answers: every deduction enqueued, cancelled where a cancellation was. */
        fun outbox(outbox: Outbox) = apply {
            this.outbox = outbox
            this.source = null
        }

        /** Builds the handler (refuses an empty key, no org code, no source). */
        fun build(): DeductCheckHandler {
            NativeLogging.install()
            val orgCode = orgCode ?: ""
            val capacity = replayCapacity.toUInt()
            val outbox = outbox
            val source = source
            val inner = when {
                outbox != null -> native { org.glorycard.ffi.DeductCheckHandler.withOutbox(keys, orgCode, capacity, outbox.inner) }
                source != null -> native { org.glorycard.ffi.DeductCheckHandler(keys, orgCode, capacity, SourceAdapter(source)) }
                else -> throw ConfigException("config", "invalid configuration: a DeductionSource or an Outbox is required")
            }
            return DeductCheckHandler(inner)
        }
    }

    /** The HIS's source as the native trait: its exceptions become a refusal, never a crash. */
    private class SourceAdapter(private val source: DeductionSource) : org.glorycard.ffi.DeductionSource {
        override fun deductionsBetween(orgCode: String, start: String, end: String): List<DeductCheckRecord> {
            val records = try {
                source.deductionsBetween(orgCode, start, end)
            } catch (e: Throwable) {
                throw SourceFailure.Failed("the HIS's deduction source threw ${e.javaClass.name}")
            }
            records.forEachIndexed { index, record ->
                try {
                    requireWellFormed(record, "")
                } catch (e: GlorycardException) {
                    throw SourceFailure.Failed("record $index of the HIS's deduction source: ${e.message}")
                }
            }
            return records
        }
    }
}

/**
 * Reads a request body of at most [limit] bytes: null when the declared length
 * ([declaredLength], -1 when unknown) or the bytes read pass it. Servlets answer 413 then.
 */
internal fun readBodyAtMost(input: InputStream, declaredLength: Long, limit: Int): ByteArray? {
    if (declaredLength > limit) return null
    val out = java.io.ByteArrayOutputStream(if (declaredLength in 0..limit.toLong()) declaredLength.toInt() else 8192)
    val buffer = ByteArray(8192)
    var total = 0
    while (true) {
        val n = input.read(buffer)
        if (n < 0) break
        total += n
        if (total > limit) return null
        out.write(buffer, 0, n)
    }
    return out.toByteArray()
}

/** Every header of a servlet request, as [DeductCheckHandler.handle] takes them (for the servlet adapters). */
internal fun headerMapOf(names: java.util.Enumeration<String>?, values: (String) -> java.util.Enumeration<String>?): Map<String, List<String>> {
    val headers = LinkedHashMap<String, List<String>>()
    for (name in Collections.list(names ?: Collections.emptyEnumeration())) {
        headers[name] = Collections.list(values(name) ?: Collections.emptyEnumeration())
    }
    return headers
}
