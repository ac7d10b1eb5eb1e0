package org.glorycard

import java.math.BigDecimal
import java.math.BigInteger
import java.nio.charset.StandardCharsets
import java.time.Instant
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZonedDateTime
import org.glorycard.ffi.JsonToken
import org.glorycard.ffi.SignInput
import org.glorycard.ffi.canonicalize as nativeCanonicalize
import org.glorycard.ffi.chinaTimeFromUnixSeconds
import org.glorycard.ffi.chinaTimeNow as nativeChinaTimeNow
import org.glorycard.ffi.diagnoseMismatch as nativeDiagnose
import org.glorycard.ffi.diagnoseMismatchIn as nativeDiagnoseIn
import org.glorycard.ffi.errorCodes as nativeErrorCodes
import org.glorycard.ffi.errorOfCode as nativeErrorOfCode
import org.glorycard.ffi.explain as nativeExplain
import org.glorycard.ffi.jsonFromTokens
import org.glorycard.ffi.maskCertName as nativeMaskCertName
import org.glorycard.ffi.maskCertNo as nativeMaskCertNo
import org.glorycard.ffi.refuseZonelessTime
import org.glorycard.ffi.sign as nativeSign
import org.glorycard.ffi.signStringA as nativeSignStringA
import org.glorycard.ffi.timestampFromUnixSeconds
import org.glorycard.ffi.timestampNow as nativeTimestampNow
import org.glorycard.ffi.timestampToUnixSeconds
import org.glorycard.ffi.verify as nativeVerify

/**
 * Signing and verification for the glory-card deduction platform, computed by the native
 * core (the same code as every other glorycard binding).
 *
 * Bodies are given as the exact text that is sent (`String`, encoded as UTF-8) or as the
 * exact bytes (`byte[]`). Keys are the platform's secret key text; timestamps are 14
 * digits `yyyyMMddHHmmss` in UTC+8. Every failure is a [GlorycardException] carrying the
 * core's stable code.
 *
 * ```java
 * String sign = Glorycard.sign(body, key, Glorycard.timestampNow());
 * ```
 */
object Glorycard {
    /** The binding's version. */
    const val VERSION: String = "0.1.0"

    /** STRINGA: the sorted `name=value` pairs of the body, joined with `&`. */
    @JvmStatic
    fun canonicalize(body: String): String = canonicalize(utf8(body))

    /** STRINGA of the exact body bytes. */
    @JvmStatic
    fun canonicalize(body: ByteArray): String =
        if (NativeJni.available) NativeJni.canonicalize(body) else native { nativeCanonicalize(body) }

    /** The sign (64 lower-case hex digits) of [body] with [key] at [timestamp]. */
    @JvmStatic
    fun sign(body: String, key: String, timestamp: String): String = sign(utf8(body), key, timestamp)

    /** The sign of the exact body bytes. */
    @JvmStatic
    fun sign(body: ByteArray, key: String, timestamp: String): String = sign(body, SecretKey(key), timestamp)

    /** The sign of the exact body bytes with a [SecretKey]. */
    @JvmStatic
    fun sign(body: ByteArray, key: SecretKey, timestamp: String): String {
        requireTimestamp(timestamp)
        if (NativeJni.available) return NativeJni.sign(body, key.text, timestamp)
        return native { nativeSign(SignInput(body, key, timestamp)) }
    }

    /** The sign of [body] with a [SecretKey]. */
    @JvmStatic
    fun sign(body: String, key: SecretKey, timestamp: String): String = sign(utf8(body), key, timestamp)

    /** The sign of an already computed STRINGA. */
    @JvmStatic
    fun signStringA(stringA: String, key: String, timestamp: String): String {
        requireBodyText(stringA, "STRINGA")
        val secret = SecretKey(key)
        requireTimestamp(timestamp)
        return native { nativeSignStringA(stringA, secret, timestamp) }
    }

    /**
     * True when [sign] is the signature of [body] with [key] at [timestamp], false for a
     * clean mismatch (compared in constant time). A malformed body, timestamp, sign or an
     * empty key throws.
     */
    @JvmStatic
    fun verify(body: String, key: String, timestamp: String, sign: String): Boolean =
        verify(utf8(body), key, timestamp, sign)

    /** [verify] on the exact body bytes. */
    @JvmStatic
    fun verify(body: ByteArray, key: String, timestamp: String, sign: String): Boolean {
        val secret = SecretKey(key)
        requireTimestamp(timestamp)
        requireSign(sign)
        if (NativeJni.available) return NativeJni.verify(body, secret.text, timestamp, sign)
        return native { nativeVerify(SignInput(body, secret, timestamp), sign) }
    }

    /** Every stage of signing [body] (the key masked as `***`), for debugging a 签名错误. */
    @JvmStatic
    fun explain(body: String, key: String, timestamp: String): Explanation = explain(utf8(body), key, timestamp)

    /** [explain] on the exact body bytes. */
    @JvmStatic
    fun explain(body: ByteArray, key: String, timestamp: String): Explanation {
        val secret = SecretKey(key)
        requireTimestamp(timestamp)
        return native { Explanation(nativeExplain(SignInput(body, secret, timestamp))) }
    }

    /**
     * Names a common way of signing wrongly that produces [received] from this body, key
     * and timestamp (numbers signed as written, MD5 in lower case, STRINGSignTemp hashed
     * as GBK bytes, ...), in English: `null` when none does, `""` when [received] is right.
     */
    @JvmStatic
    fun diagnose(body: String, key: String, timestamp: String, received: String): String? {
        val bytes = utf8(body)
        val secret = SecretKey(key)
        requireTimestamp(timestamp)
        requireSign(received, "the received sign")
        return native { nativeDiagnose(bytes, secret, timestamp, received) }
    }

    /**
     * [diagnose] in the language of [locale]: Chinese when its language is `zh`
     * (`Locale.CHINESE`, `Locale.SIMPLIFIED_CHINESE`, ...), English otherwise; e.g.
     * `diagnose(body, key, timestamp, received, Locale.getDefault())`.
     */
    @JvmStatic
    fun diagnose(body: String, key: String, timestamp: String, received: String, locale: java.util.Locale): String? {
        val bytes = utf8(body)
        val secret = SecretKey(key)
        requireTimestamp(timestamp)
        requireSign(received, "the received sign")
        val lang = if (locale.language == "zh") "zh" else "en"
        return native { nativeDiagnoseIn(bytes, secret, timestamp, received, lang) }
    }

    /** The earlier name of [diagnose], kept for code written against it. */
    @Deprecated("use diagnose, the name every glorycard binding uses", ReplaceWith("Glorycard.diagnose(body, key, timestamp, received)"))
    @JvmStatic
    fun diagnoseMismatch(body: String, key: String, timestamp: String, received: String): String? =
        diagnose(body, key, timestamp, received)

    /** Now as 14 digits `yyyyMMddHHmmss` in UTC+8, whatever the JVM's time zone. */
    @JvmStatic
    fun timestampNow(): String = nativeTimestampNow()

    /** The UTC+8 timestamp of an instant in seconds since the Unix epoch. */
    @JvmStatic
    fun timestampOf(unixSeconds: Long): String = native { timestampFromUnixSeconds(unixSeconds) }

    /** Seconds since the Unix epoch of a 14-digit UTC+8 timestamp. */
    @JvmStatic
    fun unixSecondsOf(timestamp: String): Long {
        requireTimestamp(timestamp)
        return native { timestampToUnixSeconds(timestamp) }
    }

    /**
     * Now as a model time `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8), whatever
     * the JVM's time zone: the value for `deductionTime` and a cancellation's time.
     * `LocalDateTime.now()` on a server in UTC is eight hours behind it.
     */
    @JvmStatic
    fun chinaTimeNow(): String = nativeChinaTimeNow()

    /** The model time `yyyy-MM-dd HH:mm:ss` in UTC+8 of [instant] (fractions of a second dropped). */
    @JvmStatic
    fun chinaTime(instant: Instant): String = native { chinaTimeFromUnixSeconds(instant.epochSecond) }

    /** The model time `yyyy-MM-dd HH:mm:ss` in UTC+8 of [dateTime], whatever its zone. */
    @JvmStatic
    fun chinaTime(dateTime: ZonedDateTime): String = chinaTime(dateTime.toInstant())

    /** The model time `yyyy-MM-dd HH:mm:ss` in UTC+8 of [dateTime], whatever its offset. */
    @JvmStatic
    fun chinaTime(dateTime: OffsetDateTime): String = chinaTime(dateTime.toInstant())

    /**
     * The model time in UTC+8 of [dateTime], a wall-clock time in [zone]
     * (`ZoneId.of("Asia/Shanghai")` for one already in China time). At a daylight-saving
     * change, `LocalDateTime.atZone`'s rule applies (the earlier offset of an overlap; a
     * time in a gap moves forward).
     */
    @JvmStatic
    fun chinaTime(dateTime: LocalDateTime, zone: ZoneId): String = chinaTime(dateTime.atZone(zone))

    /**
     * Always throws [ValidationException] (code `invalid_field`): a `LocalDateTime` has no
     * zone, and `LocalDateTime.now()` on a server in UTC is eight hours behind China time.
     * Use [chinaTimeNow], or say the zone with `chinaTime(LocalDateTime, ZoneId)`.
     */
    @Deprecated(
        "a LocalDateTime has no zone: use Glorycard.chinaTimeNow(), or chinaTime(LocalDateTime, ZoneId)",
        ReplaceWith("Glorycard.chinaTime(dateTime, java.time.ZoneId.of(\"Asia/Shanghai\"))"),
    )
    @JvmStatic
    @Suppress("UNUSED_PARAMETER")
    fun chinaTime(dateTime: LocalDateTime): String = native { refuseZonelessTime("dateTime", ZONELESS_HELPERS) }

    /** Java's ways to give a model time, named in the core's refusal of a `LocalDateTime`. */
    internal const val ZONELESS_HELPERS: String =
        "Glorycard.chinaTimeNow(), Glorycard.chinaTime(Instant | ZonedDateTime | OffsetDateTime), " +
            "Glorycard.chinaTime(LocalDateTime, ZoneId.of(\"Asia/Shanghai\"))"

    /**
     * Masks an identity document number for logs (`11**************2X`). Never throws: a
     * lone UTF-16 surrogate is masked as U+FFFD.
     */
    @JvmStatic
    fun maskCertNo(certNo: String): String = nativeMaskCertNo(displayText(certNo))

    /** Masks a person's name for logs (`张**`). Never throws, like [maskCertNo]. */
    @JvmStatic
    fun maskCertName(certName: String): String = nativeMaskCertName(displayText(certName))

    /** Every stable error code of the core. */
    @JvmStatic
    fun errorCodes(): List<String> = nativeErrorCodes()

    /**
     * The exception class an error of [code] (one of [errorCodes]) is thrown as: the class
     * of its family ([InvalidBodyException], [SignatureException], ...), or `null` for a
     * string that is not a code.
     */
    @JvmStatic
    fun errorClass(code: String): Class<out GlorycardException>? {
        if (loneSurrogate(code) >= 0) return null
        return try {
            native { nativeErrorOfCode(code) }
            null
        } catch (e: GlorycardException) {
            e.javaClass
        }
    }

    /**
     * The JSON text of a body built from Java values, to send and to sign: a `Map` with
     * `String` keys whose values are `Map`, `List`, arrays, `String`, `Boolean`, `null`,
     * `Integer`/`Long`/`Short`/`Byte`, `Double`/`Float` (shortest round-trip decimal),
     * `BigDecimal`/`BigInteger` (exact). Escaping, number spelling and the 64-level depth
     * limit (which also ends a map that contains itself) are the core's; a value of
     * another type, or a `String` key or value holding a lone UTF-16 surrogate (which has
     * no UTF-8 form), throws `invalid_value` naming its place (`detail.items[2]`; for a
     * key, the map holding it).
     */
    @JvmStatic
    fun toJson(body: Map<String, *>): String {
        val tokens = ArrayList<JsonToken>()
        walk(body, tokens, 0)
        return native { jsonFromTokens(tokens) }
    }

    /** Canonicalizes stdin (a JSON body) and prints STRINGA: `java -jar glorycard-all.jar < body.json`. */
    @JvmStatic
    fun main(args: Array<String>) {
        val body = System.`in`.readBytes()
        try {
            println(canonicalize(body))
        } catch (e: GlorycardException) {
            System.err.println("${e.code}: ${e.message}")
            System.exit(1)
        }
    }

    // One more level than the core allows, so the core (not this walk) reports too_deep.
    private const val WALK_DEPTH_LIMIT = 65

    private fun walk(value: Any?, out: MutableList<JsonToken>, depth: Int) {
        when (value) {
            null -> out.add(JsonToken.Null)
            is String -> {
                val bad = loneSurrogate(value)
                if (bad >= 0) out.add(JsonToken.Unsupported("a String holding a lone UTF-16 surrogate (char index $bad)"))
                else out.add(JsonToken.Text(BodyText(value)))
            }
            is Boolean -> out.add(JsonToken.Bool(value))
            is Int, is Long, is Short, is Byte -> out.add(JsonToken.Integer((value as Number).toLong()))
            is Double -> out.add(JsonToken.Float(value))
            is Float ->
                if (value.isNaN() || value.isInfinite()) out.add(JsonToken.Float(value.toDouble()))
                else out.add(JsonToken.Decimal(value.toString()))
            is BigDecimal -> out.add(JsonToken.Decimal(value.toString()))
            is BigInteger -> out.add(JsonToken.Decimal(value.toString()))
            is Map<*, *> -> {
                out.add(JsonToken.BeginObject)
                if (depth >= WALK_DEPTH_LIMIT) return
                for ((k, v) in value) {
                    if (k !is String) {
                        out.add(JsonToken.Unsupported("a map key of type ${typeName(k)}"))
                        return
                    }
                    val bad = loneSurrogate(k)
                    if (bad >= 0) {
                        out.add(JsonToken.Unsupported("a map key holding a lone UTF-16 surrogate (char index $bad)"))
                        return
                    }
                    out.add(JsonToken.Key(k))
                    walk(v, out, depth + 1)
                }
                out.add(JsonToken.EndObject)
            }
            is Iterable<*> -> {
                out.add(JsonToken.BeginArray)
                if (depth >= WALK_DEPTH_LIMIT) return
                for (v in value) walk(v, out, depth + 1)
                out.add(JsonToken.EndArray)
            }
            is Array<*> -> walk(value.asList(), out, depth)
            is IntArray -> walk(value.asList(), out, depth)
            is LongArray -> walk(value.asList(), out, depth)
            is DoubleArray -> walk(value.asList(), out, depth)
            is BooleanArray -> walk(value.asList(), out, depth)
            else -> out.add(JsonToken.Unsupported(typeName(value)))
        }
    }

    private fun typeName(value: Any?): String = value?.javaClass?.name ?: "null"

    /** Encodes a body as UTF-8, refusing lone surrogates (which have no UTF-8 form). */
    internal fun utf8(text: String): ByteArray {
        requireBodyText(text)
        return text.toByteArray(StandardCharsets.UTF_8)
    }
}

/**
 * A platform secret key. `toString()` never shows it. The generated `org.glorycard.ffi`
 * records carry the key as this class too (uniffi custom type `SecretKey`, see uniffi.toml),
 * so their `toString()` shows `SecretKey(***)`.
 */
class SecretKey(internal val text: String) {
    init {
        val index = loneSurrogate(text)
        // Not `empty_key` (the key is not empty): an invalid argument, named, never shown.
        if (index >= 0) throw ValidationException("invalid_field", "invalid field key: ${noUtf8Form("it", index)}", "key")
    }

    /** `SecretKey(***)`. */
    override fun toString(): String = "SecretKey(***)"
}

/**
 * Every stage of signing one body. `toString()` shows only STRINGA's length (STRINGA holds
 * the body's data, certNo included); [describe] prints every stage on purpose.
 */
class Explanation internal constructor(raw: org.glorycard.ffi.Explanation) {
    /** STRINGA. */
    val stringA: String = raw.stringA.text
    /** STRINGSignTemp with the key replaced by `***`. */
    val stringSignTempMasked: String = raw.stringSignTempMasked.text
    /** Upper-case hex MD5 of STRINGSignTemp. */
    val md5Upper: String = raw.md5Upper
    /** The timestamp signed with. */
    val timestamp: String = raw.timestamp
    /** The sign, lower-case hex. */
    val sign: String = raw.sign

    /** Every stage, one per line (STRINGA included: show it deliberately). */
    fun describe(): String =
        "STRINGA:        $stringA\nSTRINGSignTemp: $stringSignTempMasked\nMD5 (upper):    $md5Upper\nsign:           $sign"

    /** Stages without STRINGA's content. */
    override fun toString(): String =
        "Explanation(stringA=<${stringA.length} chars, not shown>, timestamp=$timestamp, md5Upper=$md5Upper, sign=$sign)"
}
