package org.glorycard

import java.time.Duration
import java.util.concurrent.CompletableFuture
import org.glorycard.ffi.AckResponse
import org.glorycard.ffi.CallListener
import org.glorycard.ffi.ClientConfig
import org.glorycard.ffi.Completion

/**
 * A client of the platform's API: the Rust client (`glorycard-client`) underneath, so each
 * request is validated, serialized once and signed over exactly the bytes sent, re-signed
 * for every attempt (never the same headers twice within one second), retried with backoff
 * on transport failures, timeouts and HTTP 429/5xx only, and each answer is verified in the
 * document's order (HTTP status and signature, `responseFlag`, data).
 *
 * One client is safe to share between threads (keep one per platform account) and holds a
 * connection pool: [close] it when the application stops.
 *
 * ```java
 * try (GlorycardClient client = GlorycardClient.builder("https://platform.example/")
 *         .sid(sid).key(new SecretKey(key)).orgCode("106607").build()) {
 *     AckResponse ack = client.deduct(deduction);
 * }
 * ```
 *
 * Failures are [GlorycardException]s with the client's stable codes: [TransportException]
 * (`timeout`, `connect`, `http_status`, `transport`), [PlatformRejectedException]
 * (`platform_rejected`), [UntrustedResponseException] (a response signature code,
 * `unsigned_response`, `invalid_response`), [ConfigException] (`config`), and the core's
 * [ValidationException] for a record that does not validate (nothing was sent).
 * [GlorycardException.isRetryable] says whether trying again later may succeed.
 */
class GlorycardClient private constructor(
    internal val inner: org.glorycard.ffi.Client,
    private val description: String,
) : AutoCloseable {
    companion object {
        /** Starts building a client for the platform at [baseUrl] (`https://…`). */
        @JvmStatic
        fun builder(baseUrl: String): Builder = Builder(baseUrl)
    }

    /** The `orgCode` this client sends. */
    val orgCode: String get() = inner.orgCode()

    /** `store/all`: up to 500 roster records with `dataID` after [afterDataId]; empty when synced. */
    fun rosterPage(afterDataId: Long): List<RosterRecord> = native { inner.rosterPage(afterDataId) }

    /** `store/deduct`: uploads one deduction (safe to repeat: `deductionID` is its key). */
    fun deduct(deduction: Deduction): AckResponse {
        requireWellFormed(deduction, "")
        return native { inner.deduct(deduction) }
    }

    /** `store/deductCancel`: cancels a deduction by its `deductionID`. */
    fun cancel(cancellation: Cancellation): AckResponse {
        requireWellFormed(cancellation, "")
        return native { inner.cancel(cancellation) }
    }

    /**
     * [rosterPage] without blocking: the call runs on the native runtime, and the future
     * completes on a pool thread (never the caller's), exceptionally with the same
     * [GlorycardException] the blocking call throws.
     */
    fun rosterPageAsync(afterDataId: Long): CompletableFuture<List<RosterRecord>> {
        val future = CompletableFuture<List<RosterRecord>>()
        start(future) { inner.rosterPageAsync(afterDataId, FutureListener(future) { it.page() }) }
        return future
    }

    /** [deduct] without blocking (see [rosterPageAsync]). */
    fun deductAsync(deduction: Deduction): CompletableFuture<AckResponse> {
        val future = CompletableFuture<AckResponse>()
        start(future) {
            requireWellFormed(deduction, "")
            inner.deductAsync(deduction, FutureListener(future) { it.ack() })
        }
        return future
    }

    /** [cancel] without blocking (see [rosterPageAsync]). */
    fun cancelAsync(cancellation: Cancellation): CompletableFuture<AckResponse> {
        val future = CompletableFuture<AckResponse>()
        start(future) {
            requireWellFormed(cancellation, "")
            inner.cancelAsync(cancellation, FutureListener(future) { it.ack() })
        }
        return future
    }

    /** Releases the connection pool. Calls after this throw. */
    override fun close() = inner.close()

    /** `GlorycardClient(baseUrl=…, sid=…, orgCode=…, key=***)`. */
    override fun toString(): String = description

    /** A failure before the call started (an invalid argument) completes [future] too. */
    private fun start(future: CompletableFuture<*>, call: () -> Unit) {
        try {
            native(call)
        } catch (e: Throwable) {
            future.completeExceptionally(e)
        }
    }

    /** Completes the future from the native runtime's outcome; never throws back into it. */
    private class FutureListener<T>(
        private val future: CompletableFuture<T>,
        private val take: (Completion) -> T,
    ) : CallListener {
        override fun done(completion: Completion) {
            try {
                future.complete(native { take(completion) })
            } catch (e: Throwable) {
                future.completeExceptionally(e)
            } finally {
                completion.close()
            }
        }
    }

    /**
     * Configures a [GlorycardClient]. `sid`, `key` and `orgCode` are required; everything
     * else has the Rust client's default (timeouts 5 s to connect and 30 s per attempt, 6
     * attempts within 60 s, a 300 s skew window, 8 MiB responses at most).
     */
    class Builder internal constructor(private val baseUrl: String) {
        private var sid: String? = null
        private var key: SecretKey? = null
        private var orgCode: String? = null
        private var caCertificatePem: String? = null
        private var allowHttp = false
        private var acceptUnsignedResponses = false
        private var connectTimeout: Duration? = null
        private var requestTimeout: Duration? = null
        private var maxAttempts: Int? = null
        private var initialBackoff: Duration? = null
        private var maxBackoff: Duration? = null
        private var maxElapsed: Duration? = null
        private var maxSkewSeconds: Long? = null
        private var maxResponseBytes: Long? = null

        /** The account id (`sid`) the platform issued. */
        fun sid(sid: String) = apply { this.sid = sid }

        /** The secret key of the sid. */
        fun key(key: SecretKey) = apply { this.key = key }

        /** The institution's `orgCode`, sent with every request. */
        fun orgCode(orgCode: String) = apply { this.orgCode = orgCode }

        /** A root certificate (PEM) to trust beside the system's: the sandbox's, or a hospital CA. */
        fun caCertificatePem(pem: String) = apply { this.caCertificatePem = pem }

        /** Allows a plain `http://` base URL, for a loopback host only (local tests). */
        fun allowHttp(allow: Boolean) = apply { this.allowHttp = allow }

        /**
         * Accepts responses with no signature headers, for a platform that does not sign
         * (the document requires it to). A signed response is still verified.
         */
        fun acceptUnsignedResponses(accept: Boolean) = apply { this.acceptUnsignedResponses = accept }

        /** Time to establish a connection (TCP and TLS). */
        fun connectTimeout(timeout: Duration) = apply { this.connectTimeout = timeout }

        /** Time for one attempt, from sending to the last byte of the answer. */
        fun requestTimeout(timeout: Duration) = apply { this.requestTimeout = timeout }

        /**
         * Retries: [maxAttempts] in total (1 = none), backoff from [initialBackoff] doubling
         * up to [maxBackoff] with jitter, and no attempt after [maxElapsed].
         */
        fun retryPolicy(maxAttempts: Int, initialBackoff: Duration, maxBackoff: Duration, maxElapsed: Duration) = apply {
            this.maxAttempts = maxAttempts
            this.initialBackoff = initialBackoff
            this.maxBackoff = maxBackoff
            this.maxElapsed = maxElapsed
        }

        /** One attempt per call, no retry. */
        fun noRetry() = apply { this.maxAttempts = 1 }

        /** The skew window for response timestamps, in seconds. */
        fun maxSkewSeconds(seconds: Long) = apply { this.maxSkewSeconds = seconds }

        /** The largest response body read, in bytes. */
        fun maxResponseBytes(bytes: Long) = apply { this.maxResponseBytes = bytes }

        /** Checks the configuration and builds the client ([ConfigException] when unusable). */
        fun build(): GlorycardClient {
            requireField(baseUrl, "baseUrl")
            requireField(sid, "sid")
            requireField(orgCode, "orgCode")
            requireField(caCertificatePem, "caCertificatePem")
            val config = ClientConfig(
                baseUrl = baseUrl,
                sid = sid,
                key = key,
                orgCode = orgCode,
                caCertificatePem = caCertificatePem,
                allowHttp = allowHttp,
                acceptUnsignedResponses = acceptUnsignedResponses,
                connectTimeout = connectTimeout?.let(::nonNegative),
                requestTimeout = requestTimeout?.let(::nonNegative),
                maxAttempts = maxAttempts?.let { it.coerceAtLeast(1).toUInt() },
                initialBackoff = initialBackoff?.let(::nonNegative),
                maxBackoff = maxBackoff?.let(::nonNegative),
                maxElapsed = maxElapsed?.let(::nonNegative),
                maxSkewSeconds = maxSkewSeconds?.let { it.coerceAtLeast(0).toULong() },
                maxResponseBytes = maxResponseBytes?.let { it.coerceAtLeast(0).toULong() },
            )
            NativeLogging.install()
            val inner = native { org.glorycard.ffi.Client(config) }
            return GlorycardClient(inner, "GlorycardClient(baseUrl=$baseUrl, sid=$sid, orgCode=$orgCode, key=***)")
        }

        /** `Builder(baseUrl=…, key=***)`. */
        override fun toString(): String = "GlorycardClient.Builder(baseUrl=$baseUrl, sid=$sid, orgCode=$orgCode, key=***)"

        /** A negative duration has no native form: it is taken as zero. */
        private fun nonNegative(duration: Duration): Duration = if (duration.isNegative) Duration.ZERO else duration
    }
}
