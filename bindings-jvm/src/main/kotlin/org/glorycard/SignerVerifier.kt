package org.glorycard

import java.util.Collections
import java.util.LinkedHashMap
import org.glorycard.ffi.Header
import org.glorycard.ffi.SidKey
import org.glorycard.ffi.SignedHeaders

/**
 * Signs bodies for one account (`sid`) with its secret key. Thread-safe: share one.
 *
 * ```java
 * Signer signer = new Signer("47258258201708031835123456", key);
 * Map<String, String> headers = signer.sign(body); // sid, timestamp, sign
 * ```
 */
class Signer(sid: String, key: SecretKey) {
    /** A signer for [sid] with the key text [key]. */
    constructor(sid: String, key: String) : this(sid, SecretKey(key))

    private val inner = run {
        requireField(sid, "sid")
        org.glorycard.ffi.Signer(sid, key)
    }

    /** The key, for the JNI path (which signs without the native Signer object). */
    private val key: SecretKey = key

    /** The account id. */
    val sid: String = sid

    /** The `sid`, `timestamp` (now, UTC+8) and `sign` headers for [body] (exact text). */
    fun sign(body: String): Map<String, String> = sign(Glorycard.utf8(body))

    /** The headers for the exact body bytes, signed now. */
    fun sign(body: ByteArray): Map<String, String> {
        if (NativeJni.available) {
            val signed = NativeJni.signNow(body, key.text)
            return headers(SignedHeaders(sid, signed.substring(0, TIMESTAMP_LENGTH), signed.substring(TIMESTAMP_LENGTH)))
        }
        return native { headers(inner.sign(body)) }
    }

    /** The headers for [body] signed at [timestamp] (14 digits, UTC+8). */
    fun signAt(body: String, timestamp: String): Map<String, String> = signAt(Glorycard.utf8(body), timestamp)

    /** The headers for the exact body bytes signed at [timestamp]. */
    fun signAt(body: ByteArray, timestamp: String): Map<String, String> {
        requireTimestamp(timestamp)
        if (NativeJni.available) {
            return headers(SignedHeaders(sid, timestamp, NativeJni.sign(body, key.text, timestamp)))
        }
        return native { headers(inner.signAt(body, timestamp)) }
    }

    /** `Signer(sid=..., key=***)`. */
    override fun toString(): String = "Signer(sid=$sid, key=***)"

    private companion object {
        /** `yyyyMMddHHmmss`: the JNI path's `signNow` answers the timestamp, then the sign. */
        const val TIMESTAMP_LENGTH = 14
    }

    private fun headers(h: SignedHeaders): Map<String, String> {
        val map = LinkedHashMap<String, String>(4)
        map["sid"] = h.sid
        map["timestamp"] = h.timestamp
        map["sign"] = h.sign
        return Collections.unmodifiableMap(map)
    }
}

/** A clock that says what it is told, for tests and for replaying recorded traffic. */
class ManualClock(unixSeconds: Long) {
    internal val inner = org.glorycard.ffi.ManualClock(unixSeconds)

    /** Sets the time (seconds since the Unix epoch). */
    fun set(unixSeconds: Long) = inner.set(unixSeconds)

    /** The time it says, in seconds since the Unix epoch. */
    fun nowUnixSeconds(): Long = inner.nowUnixSeconds()

    override fun toString(): String = "ManualClock(${nowUnixSeconds()})"
}

/** What a successful verification established. */
class Verified internal constructor(
    /** The sid the request came from. */
    val sid: String,
    /** The request's timestamp. */
    val timestamp: String,
    /** Which of the sid's keys matched (0 = the first configured), to watch a rotation. */
    val keyIndex: Int,
) {
    override fun toString(): String = "Verified(sid=$sid, timestamp=$timestamp, keyIndex=$keyIndex)"
}

/**
 * Verifies signed requests (or responses): keys looked up by `sid` (several per sid for a
 * rotation), a skew window around the clock (±300 s by default), optional replay refusal,
 * constant-time comparison. Thread-safe: share one.
 *
 * ```java
 * Verifier verifier = Verifier.builder().key(sid, key).replayCache(100_000).build();
 * Verified ok = verifier.verifyHeaders(headers, body); // throws GlorycardException
 * ```
 *
 * A rejection throws: [SignatureException] (`signature_mismatch`, `replayed`,
 * `unknown_sid`, `missing_header`, `duplicate_header`, `invalid_signature_format`),
 * [InvalidTimestampException] (`invalid_timestamp`, `timestamp_out_of_window`) or
 * [InvalidBodyException].
 *
 * A received sid, timestamp or sign holding a lone UTF-16 surrogate (no UTF-8 form, so
 * no HTTP message carries one) is refused as `unknown_sid`, `invalid_timestamp` or
 * `invalid_signature_format`. Any other header holding one (in its name or value) is
 * skipped, as the core skips every header but `sid`, `timestamp` and `sign`.
 */
class Verifier private constructor(private val inner: org.glorycard.ffi.Verifier, private val sids: List<String>) {
    /**
     * The JNI path's handle on the same core verifier (one replay cache for both paths),
     * released when this object is garbage-collected; 0 when the JNI path is not available.
     */
    private val jniHandle: Long =
        if (NativeJni.available) {
            val handle = inner.jniHandle()
            // The cleaner's action must not capture `this`, or it would never run.
            com.sun.jna.internal.Cleaner.getCleaner().register(this) { NativeJni.verifierRelease(handle) }
            handle
        } else {
            0L
        }

    /** The allowed skew in seconds. */
    val maxSkewSeconds: Long get() = inner.maxSkewSeconds().toLong()

    /** Verifies [body] (the exact received text) against the received header values. */
    fun verify(sid: String, timestamp: String, sign: String, body: String): Verified =
        verify(sid, timestamp, sign, Glorycard.utf8(body))

    /** Verifies the exact received body bytes. */
    fun verify(sid: String, timestamp: String, sign: String, body: ByteArray): Verified {
        requireReceivedSid(sid)
        requireTimestamp(timestamp)
        requireSign(sign)
        if (jniHandle != 0L) return NativeJni.verifierVerify(this, jniHandle, sid, timestamp, sign, body)
        return native { verified(inner.verify(sid, timestamp, sign, body)) }
    }

    /**
     * Verifies with an HTTP message's headers, one value per name (names compared
     * case-insensitively). A `Map<String, String>` cannot hold a repeated header: use
     * [verifyHeaderValues] or the list overload to have a repeated `sign` refused as
     * `duplicate_header`.
     */
    fun verifyHeaders(headers: Map<String, String>, body: String): Verified =
        verifyHeaders(headers, Glorycard.utf8(body))

    /** Verifies the exact body bytes with an HTTP message's headers, one value per name. */
    fun verifyHeaders(headers: Map<String, String>, body: ByteArray): Verified {
        val list = ArrayList<Header>(headers.size)
        for ((name, value) in headers) addHeader(list, name, value)
        return verifyHeaderList(list, body)
    }

    /**
     * Verifies with an HTTP message's headers as name/value pairs in the order received,
     * a repeated name once per value (`new AbstractMap.SimpleEntry<>("sign", v)`). Every
     * value reaches the core: a repeated `sid`, `timestamp` or `sign` is refused as
     * `duplicate_header`.
     */
    fun verifyHeaders(headers: List<Map.Entry<String, String>>, body: String): Verified =
        verifyHeaders(headers, Glorycard.utf8(body))

    /** [verifyHeaders] with name/value pairs on the exact body bytes. */
    fun verifyHeaders(headers: List<Map.Entry<String, String>>, body: ByteArray): Verified {
        val list = ArrayList<Header>(headers.size)
        for ((name, value) in headers) addHeader(list, name, value)
        return verifyHeaderList(list, body)
    }

    /**
     * Verifies with an HTTP message's headers as every value of each name: Spring's
     * `HttpHeaders` (a `Map<String, List<String>>`) or a map built from a servlet's
     * `getHeaderNames()`/`getHeaders(name)`. Every value reaches the core: a name with
     * two values among `sid`, `timestamp` and `sign` is refused as `duplicate_header`.
     * (A separate name, not an overload of [verifyHeaders]: Java erases both maps to
     * `Map`.)
     */
    fun verifyHeaderValues(headers: Map<String, Collection<String>>, body: String): Verified =
        verifyHeaderValues(headers, Glorycard.utf8(body))

    /** [verifyHeaderValues] on the exact body bytes. */
    fun verifyHeaderValues(headers: Map<String, Collection<String>>, body: ByteArray): Verified {
        val list = ArrayList<Header>(headers.size)
        for ((name, values) in headers) for (value in values) addHeader(list, name, value)
        return verifyHeaderList(list, body)
    }

    private fun verifyHeaderList(list: List<Header>, body: ByteArray): Verified {
        if (jniHandle != 0L) {
            val names = Array(list.size) { list[it].name }
            val values = Array(list.size) { list[it].value }
            return NativeJni.verifierVerifyHeaders(this, jniHandle, names, values, body)
        }
        return native { verified(inner.verifyHeaders(list, body)) }
    }

    // Adds one header for the core, or refuses or skips one that has no UTF-8 form (see
    // the class comment): uniffi could not pass it, and throws a checked exception.
    private fun addHeader(list: MutableList<Header>, name: String, value: String) {
        if (loneSurrogate(name) >= 0) return // Not sid, timestamp or sign: the core would skip it.
        if (loneSurrogate(value) >= 0) {
            // The core compares names ignoring ASCII case only (Verifier::verify_headers).
            when {
                name.equals("sid", ignoreCase = true) && isAscii(name) -> requireReceivedSid(value, "the sid header")
                name.equals("timestamp", ignoreCase = true) && isAscii(name) ->
                    requireTimestamp(value, "the timestamp header")
                name.equals("sign", ignoreCase = true) && isAscii(name) -> requireSign(value, "the sign header")
            }
            return
        }
        list.add(Header(name, value))
    }

    private fun isAscii(text: String): Boolean = text.all { it.code < 0x80 }

    /** `Verifier(sids=[...], maxSkewSeconds=...)`; keys never shown. */
    override fun toString(): String = "Verifier(sids=$sids, maxSkewSeconds=$maxSkewSeconds)"

    private fun verified(v: org.glorycard.ffi.Verified) = Verified(v.sid, v.timestamp, v.keyIndex.toInt())

    /** Builds a [Verifier]. */
    class Builder internal constructor() {
        private val keys = ArrayList<SidKey>()
        private var maxSkewSeconds: Long = 300
        private var replayCapacity: Long? = null
        private var clock: ManualClock? = null

        /** Adds a key for [sid] (call again for a second key during a rotation). */
        fun key(sid: String, key: String): Builder = key(sid, SecretKey(key))

        /** Adds a [SecretKey] for [sid]. */
        fun key(sid: String, key: SecretKey): Builder = apply {
            requireField(sid, "sid")
            keys.add(SidKey(sid, key))
        }

        /** The allowed skew in seconds (default 300). */
        fun maxSkewSeconds(seconds: Long): Builder = apply {
            require(seconds >= 0) { "maxSkewSeconds must not be negative" }
            maxSkewSeconds = seconds
        }

        /** Refuses replays, remembering up to [capacity] accepted (sid, timestamp, sign) triples. */
        fun replayCache(capacity: Long): Builder = apply {
            require(capacity >= 0) { "replayCache capacity must not be negative" }
            replayCapacity = capacity
        }

        /** Uses [clock] instead of the system clock. */
        fun clock(clock: ManualClock): Builder = apply { this.clock = clock }

        /** Builds the verifier; an empty key throws [KeyException]. */
        fun build(): Verifier = native {
            Verifier(
                org.glorycard.ffi.Verifier(keys.toList(), maxSkewSeconds.toULong(), replayCapacity?.toULong(), clock?.inner),
                keys.map { it.sid }.distinct().sorted(),
            )
        }

        override fun toString(): String = "Verifier.Builder(${keys.size} keys, maxSkewSeconds=$maxSkewSeconds)"
    }

    companion object {
        /** Starts a builder: no keys, ±300 s, the system clock, no replay cache. */
        @JvmStatic
        fun builder(): Builder = Builder()
    }
}
