package org.glorycard

import java.nio.charset.CharacterCodingException
import java.nio.charset.StandardCharsets
import java.util.Locale
import org.glorycard.ffi.NativeException

/**
 * Every failure of the native core, with its stable [code] (`invalid_json`,
 * `signature_mismatch`, `invalid_field`, ...; the full list is [Glorycard.errorCodes]).
 *
 * Unchecked by design: most failures are programming or configuration errors (a body the
 * caller built wrongly, an empty key), Kotlin has no checked exceptions, and Java 8
 * lambdas and streams do not compose with checked ones. The one expected outcome of
 * checking a signature, a clean mismatch, is a `false` from [Glorycard.verify], not an
 * exception. Catch a family subclass ([InvalidBodyException], [InvalidTimestampException],
 * [SignatureException], [ValidationException], [KeyException]) or switch on [code].
 *
 * Messages never contain a key, a certNo or a certName. [message] is English;
 * [getLocalizedMessage] is Chinese when the default locale's language is Chinese
 * (`Locale.getDefault()`, e.g. `zh_CN`), in the words the native core writes beside each
 * code (the same code, and the same values named, in both languages). The constructors
 * are overloaded (`@JvmOverloads`) so that Java code built against the ones without
 * `messageZh` (the Spring Boot starter's tests) still compiles.
 */
open class GlorycardException @JvmOverloads internal constructor(
    /** The stable, machine-readable code. */
    val code: String,
    message: String,
    /** Byte offset into the body, for body errors that have one. */
    val offset: Long?,
    /** The wire name of the invalid field, for validation errors (`deductionFee`). */
    val field: String?,
    /**
     * True when trying again later (with the same business key) may succeed: transport
     * failures, timeouts, HTTP 429/5xx and answers that could not be trusted. Java:
     * `isRetryable()`.
     */
    val isRetryable: Boolean = false,
    /**
     * The message in Chinese, from the native core; null for the few failures the facade
     * finds itself before calling it (a lone UTF-16 surrogate in an argument, a missing
     * setting), which are said in English in every locale.
     */
    private val messageZh: String? = null,
) : RuntimeException(message) {
    /**
     * The message in the default locale's language: Chinese when
     * `Locale.getDefault().getLanguage()` is `zh`, else English ([message]). Read at each
     * call, so a locale set after the exception was thrown is followed.
     */
    override fun getLocalizedMessage(): String? =
        if (messageZh != null && Locale.getDefault().language == "zh") messageZh else message

    internal companion object {
        private const val serialVersionUID = 1L

        /**
         * The facade's exception for a native error: uniffi generates one subclass of the
         * sealed `NativeException` per core error family, and this `when` is exhaustive over
         * them (no `else`), so a family added to the native library does not compile here
         * until it has a class.
         */
        fun of(e: NativeException): GlorycardException =
            when (e) {
                is NativeException.InvalidBody -> InvalidBodyException(e.code, e.detail, e.offset?.toLong(), e.detailZh)
                is NativeException.InvalidTimestamp -> InvalidTimestampException(e.code, e.detail, e.detailZh)
                is NativeException.Signature -> SignatureException(e.code, e.detail, e.detailZh)
                is NativeException.Validation -> ValidationException(e.code, e.detail, e.field, e.detailZh)
                is NativeException.Key -> KeyException(e.code, e.detail, e.detailZh)
                is NativeException.Transport ->
                    TransportException(e.code, e.detail, e.retryable, e.httpStatus, e.detailZh)
                is NativeException.PlatformRejected ->
                    PlatformRejectedException(e.code, e.detail, e.platformMessage, e.detailZh)
                is NativeException.UntrustedResponse ->
                    UntrustedResponseException(e.code, e.detail, e.retryable, e.detailZh)
                is NativeException.Config -> ConfigException(e.code, e.detail, e.detailZh)
                is NativeException.Storage -> StorageException(e.code, e.detail, e.detailZh)
                is NativeException.Other ->
                    GlorycardException(e.code, e.detail, e.offset?.toLong(), e.field, false, e.detailZh)
            }
    }
}

/** The body cannot be canonicalized (JSON, UTF-8, structure, limits, native values). */
class InvalidBodyException @JvmOverloads internal constructor(
    code: String,
    message: String,
    offset: Long?,
    messageZh: String? = null,
) : GlorycardException(code, message, offset, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A timestamp is malformed or outside the verifier's window. */
class InvalidTimestampException @JvmOverloads internal constructor(code: String, message: String, messageZh: String? = null) :
    GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A signature is malformed, does not match, is replayed, or no key is known for the sid. */
class SignatureException @JvmOverloads internal constructor(code: String, message: String, messageZh: String? = null) :
    GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A model field is invalid, or a model cannot be read from or written to JSON. */
class ValidationException @JvmOverloads internal constructor(
    code: String,
    message: String,
    field: String?,
    messageZh: String? = null,
) : GlorycardException(code, message, null, field, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** The secret key is unusable (empty). */
class KeyException @JvmOverloads internal constructor(code: String, message: String, messageZh: String? = null) :
    GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/**
 * The platform could not be reached, or did not answer in time, or answered with an HTTP
 * error (`timeout`, `connect`, `http_status`, `transport`). [isRetryable] tells whether a
 * later attempt may succeed (HTTP 429 and 5xx are, other statuses are not).
 */
class TransportException @JvmOverloads internal constructor(
    code: String,
    message: String,
    retryable: Boolean,
    /** The HTTP status, for `http_status`. */
    val httpStatus: Int?,
    messageZh: String? = null,
) : GlorycardException(code, message, null, null, retryable, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** The platform refused the request (`platform_rejected`: `responseFlag` "0"). Never retryable. */
class PlatformRejectedException @JvmOverloads internal constructor(
    code: String,
    message: String,
    /** The platform's `responseMessage`. */
    val platformMessage: String,
    messageZh: String? = null,
) : GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/**
 * An answer arrived but could not be trusted: its signature failed (a signature code such
 * as `signature_mismatch`: usually a wrong key on this side), it was unsigned
 * (`unsigned_response`) or malformed (`invalid_response`). Whether the platform applied the
 * request is unknown, so it is retryable with the same business key.
 */
class UntrustedResponseException @JvmOverloads internal constructor(
    code: String,
    message: String,
    retryable: Boolean,
    messageZh: String? = null,
) : GlorycardException(code, message, null, null, retryable, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/** The client's configuration is unusable (`config`): a URL, a certificate, a missing value. */
class ConfigException @JvmOverloads internal constructor(code: String, message: String, messageZh: String? = null) :
    GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/**
 * An outbox or replica file failed (`storage`: I/O, not such a file, a newer schema, open
 * to other users), or the request contradicts what it holds (`conflict`: another record
 * under a `deductionID` it holds, a second drain at once). Nothing was half-written.
 */
class StorageException @JvmOverloads internal constructor(code: String, message: String, messageZh: String? = null) :
    GlorycardException(code, message, null, null, false, messageZh) {
    private companion object { private const val serialVersionUID = 1L }
}

/**
 * Runs a call into the native library, turning its error into the facade's exception.
 *
 * Every `String` that reaches the native library must have a UTF-8 form. The facade
 * checks its arguments before the call (see [loneSurrogate] and the `require*` helpers
 * below), because uniffi's generated code throws the checked
 * `java.nio.charset.MalformedInputException` for a lone surrogate only after it has
 * cloned the object handle and lowered the earlier arguments, which then leak. The
 * `CharacterCodingException` branch is the backstop for a string the checks missed: it
 * keeps the contract that every failure is an unchecked [GlorycardException].
 */
internal inline fun <T> native(call: () -> T): T =
    try {
        call()
    } catch (e: NativeException) {
        throw GlorycardException.of(e)
    } catch (e: CharacterCodingException) {
        throw InvalidBodyException(
            "invalid_utf8",
            "invalid UTF-8: a String argument holds a lone UTF-16 surrogate, which has no UTF-8 form",
            null,
        )
    }

/** The char index of the first lone UTF-16 surrogate in [text] (no UTF-8 form), or -1. */
internal fun loneSurrogate(text: String): Int {
    var i = 0
    val n = text.length
    while (i < n) {
        val c = text[i]
        if (c in '\uD800'..'\uDFFF') {
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text[i + 1])) {
                i += 2
                continue
            }
            return i
        }
        i++
    }
    return -1
}

/** "holds a lone UTF-16 surrogate (char index n), which has no UTF-8 form" (never the value). */
internal fun noUtf8Form(what: String, index: Int): String =
    "$what holds a lone UTF-16 surrogate (char index $index), which has no UTF-8 form"

/** [text] with each lone surrogate replaced by U+FFFD: for display (masks) only. */
internal fun displayText(text: String): String {
    if (loneSurrogate(text) < 0) return text
    val out = StringBuilder(text.length)
    var i = 0
    while (i < text.length) {
        val c = text[i]
        if (Character.isHighSurrogate(c) && i + 1 < text.length && Character.isLowSurrogate(text[i + 1])) {
            out.append(c).append(text[i + 1])
            i += 2
            continue
        }
        out.append(if (Character.isSurrogate(c)) '\uFFFD' else c)
        i++
    }
    return out.toString()
}

/** Body text (a body or STRINGA): `invalid_utf8` with the byte offset of the lone surrogate. */
internal fun requireBodyText(text: String, what: String = "the String") {
    val index = loneSurrogate(text)
    if (index >= 0) {
        val offset = text.substring(0, index).toByteArray(StandardCharsets.UTF_8).size.toLong()
        throw InvalidBodyException("invalid_utf8", "invalid UTF-8 at byte $offset: ${noUtf8Form(what, index)}", offset)
    }
}

/** A timestamp argument or header: `invalid_timestamp`. */
internal fun requireTimestamp(timestamp: String, what: String = "the timestamp") {
    val index = loneSurrogate(timestamp)
    if (index >= 0) throw InvalidTimestampException("invalid_timestamp", "invalid timestamp: ${noUtf8Form(what, index)}")
}

/** A received sign: `invalid_signature_format`. */
internal fun requireSign(sign: String, what: String = "the sign") {
    val index = loneSurrogate(sign)
    if (index >= 0) {
        throw SignatureException("invalid_signature_format", "invalid signature format: ${noUtf8Form(what, index)}")
    }
}

/** A received sid: `unknown_sid` (no key can be configured for a sid without UTF-8 form). */
internal fun requireReceivedSid(sid: String, what: String = "the sid") {
    val index = loneSurrogate(sid)
    if (index >= 0) {
        throw SignatureException("unknown_sid", "unknown sid: ${noUtf8Form(what, index)}, so no key is configured for it")
    }
}

/** A model field, or a sid being configured: `invalid_field` naming [field]. */
internal fun requireField(value: String?, field: String) {
    if (value == null) return
    val index = loneSurrogate(value)
    if (index >= 0) throw ValidationException("invalid_field", "invalid field $field: ${noUtf8Form("it", index)}", field)
}

/** JSON text to read a model from: `serialization`, as the core reports JSON that is not UTF-8. */
internal fun requireJsonText(json: String) {
    val index = loneSurrogate(json)
    if (index >= 0) {
        throw ValidationException(
            "serialization",
            "model (de)serialization failed: ${noUtf8Form("the JSON text", index)}",
            null,
        )
    }
}

/** Reads a model from [json] in the native library, after [requireJsonText]. */
internal inline fun <T> fromJsonText(json: String, call: () -> T): T {
    requireJsonText(json)
    return native(call)
}
