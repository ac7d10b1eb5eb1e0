package org.glorycard

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
 * Messages never contain a key, a certNo or a certName.
 */
open class GlorycardException internal constructor(
    /** The stable, machine-readable code. */
    val code: String,
    message: String,
    /** Byte offset into the body, for body errors that have one. */
    val offset: Long?,
    /** The wire name of the invalid field, for validation errors (`deductionFee`). */
    val field: String?,
) : RuntimeException(message) {
    internal companion object {
        private const val serialVersionUID = 1L

        /** The facade's exception for a core error, by the core's error family. */
        fun of(code: String, family: String, message: String, offset: Long?, field: String?): GlorycardException =
            when (family) {
                "invalid_body" -> InvalidBodyException(code, message, offset)
                "invalid_timestamp" -> InvalidTimestampException(code, message)
                "signature" -> SignatureException(code, message)
                "validation" -> ValidationException(code, message, field)
                "key" -> KeyException(code, message)
                else -> GlorycardException(code, message, offset, field)
            }
    }
}

/** The body cannot be canonicalized (JSON, UTF-8, structure, limits, native values). */
class InvalidBodyException internal constructor(code: String, message: String, offset: Long?) :
    GlorycardException(code, message, offset, null) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A timestamp is malformed or outside the verifier's window. */
class InvalidTimestampException internal constructor(code: String, message: String) :
    GlorycardException(code, message, null, null) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A signature is malformed, does not match, is replayed, or no key is known for the sid. */
class SignatureException internal constructor(code: String, message: String) :
    GlorycardException(code, message, null, null) {
    private companion object { private const val serialVersionUID = 1L }
}

/** A model field is invalid, or a model cannot be read from or written to JSON. */
class ValidationException internal constructor(code: String, message: String, field: String?) :
    GlorycardException(code, message, null, field) {
    private companion object { private const val serialVersionUID = 1L }
}

/** The secret key is unusable (empty). */
class KeyException internal constructor(code: String, message: String) :
    GlorycardException(code, message, null, null) {
    private companion object { private const val serialVersionUID = 1L }
}

/** Runs a call into the native library, turning its error into the facade's exception. */
internal inline fun <T> native(call: () -> T): T =
    try {
        call()
    } catch (e: NativeException.Failure) {
        throw GlorycardException.of(e.code, e.family, e.detail, e.offset?.toLong(), e.field)
    }
