package org.glorycard

import com.sun.jna.Function
import com.sun.jna.JNIEnv
import com.sun.jna.Library
import com.sun.jna.NativeLibrary

/**
 * The JNI path of the hot calls (src/jni_path.rs): signing, verification and STRINGA
 * without JNA's per-call `Structure`s and `Memory` blocks. The functions live in the same
 * native library as uniffi's. They are bound once, by the library's
 * `glorycard_jni_register` (JNI `RegisterNatives`), called through the very library JNA
 * loaded for uniffi: the one copy, whether it came from the jar (JNA deletes the extracted
 * file once loaded, so it cannot be loaded again by name) or from uniffi's library
 * override. When they cannot be bound, [available] is false and the facade keeps to
 * uniffi (same results, same exceptions).
 */
internal object NativeJni {
    /**
     * The library, or null when there is none for this platform. Held so that JNA keeps
     * this instance (it holds its own only weakly until uniffi's `Native.register` asks for
     * it under the same name and options: the class loader; the C calling convention), so
     * both paths share it and it stays loaded while the methods bound into it are in use.
     */
    private val library: NativeLibrary? =
        try {
            val name = System.getProperty("uniffi.component.glorycard_jvm.libraryOverride") ?: "glorycard_jvm"
            NativeLibrary.getInstance(name, mapOf(Library.OPTION_CLASSLOADER to NativeJni::class.java.classLoader))
        } catch (e: UnsatisfiedLinkError) {
            null // no library for this platform
        } catch (e: SecurityException) {
            null
        }

    /** True when the JNI functions are bound. */
    @JvmField
    val available: Boolean = library != null && register(library)

    private fun register(library: NativeLibrary): Boolean =
        try {
            val register: Function = library.getFunction("glorycard_jni_register")
            val status =
                register.invoke(
                    Int::class.javaObjectType,
                    arrayOf<Any>(JNIEnv.CURRENT, NativeJni::class.java),
                    mapOf(Library.OPTION_ALLOW_OBJECTS to true),
                ) as Int
            status == 0 && calls() >= 0
        } catch (e: UnsatisfiedLinkError) {
            false // a library without the JNI path
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
