package org.glorycard

// A body's data as the generated `org.glorycard.ffi` records carry it: a uniffi custom type
// (src/types.rs, a String on the wire) mapped to this class in uniffi.toml, so that the
// generated records' toString() hides it. Callers never need it.

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
