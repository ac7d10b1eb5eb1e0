package org.glorycard

// Personal data as the generated `org.glorycard.ffi` records carry it. Each is a uniffi
// custom type (src/types.rs, a String on the wire) mapped to one of these classes in
// uniffi.toml, so that the generated records' toString() masks it. The facade's own
// models take and return plain Strings: callers never need these classes.

/**
 * An identity document number inside a generated record (`org.glorycard.ffi.Deduction`,
 * `RosterRecord`). `toString()` is the core's mask (`11**************2X`).
 */
class CertNo(internal val text: String) {
    /** The core's mask of the number. */
    override fun toString(): String = Glorycard.maskCertNo(text)

    override fun equals(other: Any?): Boolean = other is CertNo && other.text == text

    override fun hashCode(): Int = text.hashCode()
}

/**
 * A person's name inside a generated record (`org.glorycard.ffi.Deduction`,
 * `RosterRecord`). `toString()` is the core's mask (`张**`).
 */
class CertName(internal val text: String) {
    /** The core's mask of the name. */
    override fun toString(): String = Glorycard.maskCertName(text)

    override fun equals(other: Any?): Boolean = other is CertName && other.text == text

    override fun hashCode(): Int = text.hashCode()
}

/**
 * Text holding a body's data (STRINGA in `org.glorycard.ffi.Explanation`, a string value in
 * `org.glorycard.ffi.JsonToken.Text`), which may include a certNo or a certName.
 * `toString()` shows only its length.
 */
class BodyText(internal val text: String) {
    /** `BodyText(<n chars>)`. */
    override fun toString(): String = "BodyText(<${text.length} chars>)"

    override fun equals(other: Any?): Boolean = other is BodyText && other.text == text

    override fun hashCode(): Int = text.hashCode()
}
