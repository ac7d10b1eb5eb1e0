package org.glorycard

import com.sun.jna.NativeLibrary

/**
 * The JNI path of the hot calls (src/jni_path.rs): signing, verification and STRINGA
 * without JNA's per-call `Structure`s and `Memory` blocks. The functions live in the same
 * native library as uniffi's; it is loaded here a second time, for JNI, from the file JNA
 * loaded (extracted from the jar, or named by uniffi's library override), so both paths
 * always use the one library. When it cannot be loaded for JNI, [available] is false and
 * the facade keeps to uniffi (same results, same exceptions).
 */
internal object NativeJni {
    /** True when the JNI functions are bound. */
    @JvmField
    val available: Boolean = load()

    private fun load(): Boolean =
        try {
            val name = System.getProperty("uniffi.component.glorycard_jvm.libraryOverride") ?: "glorycard_jvm"
            val file = NativeLibrary.getInstance(name).file
            if (file != null) System.load(file.absolutePath) else System.loadLibrary("glorycard_jvm")
            calls() >= 0
        } catch (e: UnsatisfiedLinkError) {
            false
        } catch (e: SecurityException) {
            false
        }

    /** STRINGA of the exact body bytes. */
    @JvmStatic external fun canonicalize(body: ByteArray): String

    /** The sign of the body with [key] at [timestamp]. */
    @JvmStatic external fun sign(body: ByteArray, key: String, timestamp: String): String

    /** The timestamp (now, UTC+8, 14 digits) followed by the sign (64 hex digits). */
    @JvmStatic external fun signNow(body: ByteArray, key: String): String

    /** True when [sign] is the body's sign; false for a clean mismatch. */
    @JvmStatic external fun verify(body: ByteArray, key: String, timestamp: String, sign: String): Boolean

    /**
     * Verifies through the core verifier behind [handle] (`ffi.Verifier.jniHandle()`).
     * [owner] is the facade's `Verifier`: passed so that it stays reachable, and its cleaner
     * cannot release the handle, while the call runs.
     */
    @JvmStatic external fun verifierVerify(
        owner: Any,
        handle: Long,
        sid: String,
        timestamp: String,
        sign: String,
        body: ByteArray,
    ): Verified

    /** [verifierVerify] with the received headers, a name once per value. */
    @JvmStatic external fun verifierVerifyHeaders(
        owner: Any,
        handle: Long,
        names: Array<String>,
        values: Array<String>,
        body: ByteArray,
    ): Verified

    /** Releases a verifier handle (once, from the facade's cleaner). */
    @JvmStatic external fun verifierRelease(handle: Long)

    /** Throws what an error of [code] throws on this path (tests); returns for a non-code. */
    @JvmStatic external fun throwCode(code: String)

    /** How many calls took this path (tests, and the proof that it is taken). */
    @JvmStatic external fun calls(): Long
}
