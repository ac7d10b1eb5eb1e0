package org.glorycard

import com.fasterxml.jackson.databind.ObjectMapper
import java.io.File
import java.lang.reflect.InvocationTargetException
import org.glorycard.ffi.SignInput
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.glorycard.ffi.canonicalize as uniffiCanonicalize
import org.glorycard.ffi.sign as uniffiSign

/** The JNI path of the hot calls: taken, equal to the uniffi path, and bounded in memory. */
class KotlinJniTest {
    private val key = "4fd6b8105f894d0da964b1e80b07b136"
    private val ts = "20210407155206"

    @Test
    fun theHotCallsTakeTheJniPath() {
        assertTrue(NativeJni.available, "the JNI functions are bound")
        val body = """{"a":1}""".toByteArray()
        val before = NativeJni.calls()
        val sign = Glorycard.sign(body, key, ts)
        assertTrue(Glorycard.verify(body, key, ts, sign))
        assertEquals("a=1", Glorycard.canonicalize(body))
        val headers = Signer("sid-1", key).sign(body)
        val verifier = Verifier.builder().key("sid-1", key).replayCache(16).build()
        val received = verifier.verifyHeaders(headers, body)
        assertEquals("sid-1", received.sid)
        assertEquals(0, received.keyIndex)
        val replay = try {
            verifier.verify("sid-1", headers.getValue("timestamp"), headers.getValue("sign"), body)
            fail("a replay was accepted")
        } catch (e: SignatureException) {
            e
        }
        assertEquals("replayed", replay.code)
        assertEquals(
            6,
            NativeJni.calls() - before,
            "sign, verify, canonicalize, Signer.sign, Verifier.verifyHeaders and Verifier.verify took the JNI path",
        )
        // Signer.sign's timestamp is now, its sign that of the body at that timestamp.
        assertEquals(14, headers.getValue("timestamp").length)
        assertEquals(Glorycard.sign(body, key, headers.getValue("timestamp")), headers["sign"])
    }

    @Test
    fun everyCodeThrowsTheUniffiPathsClassAndCode() {
        for (code in Glorycard.errorCodes()) {
            try {
                NativeJni.throwCode(code)
                fail<Unit>("$code was not thrown")
            } catch (e: GlorycardException) {
                assertEquals(code, e.code)
                assertEquals(Glorycard.errorClass(code), e.javaClass, code)
                assertFalse(e.isRetryable)
            }
        }
        NativeJni.throwCode("no_such_code")
        // A real failure carries the offset, as on the uniffi path.
        val error = try {
            Glorycard.sign("""{"a":1,}""".toByteArray(), key, ts)
            fail("signed invalid JSON")
        } catch (e: InvalidBodyException) {
            e
        }
        assertEquals("invalid_json", error.code)
        assertEquals(7L, error.offset)
    }

    @Test
    fun aNullArgumentThrowsRatherThanReturningNull() {
        assertTrue(NativeJni.available, "the JNI functions are bound")
        // Kotlin's types keep null out, Java and reflection do not. The jni crate reports a
        // null argument as an error with no Java exception pending: returned as is, a null
        // Verified would read as a success to a caller that only catches exceptions.
        val jni = NativeJni::class.java
        val text = String::class.java
        val body = """{"a":1}""".toByteArray()
        val verifier = Verifier.builder().key("sid-1", key).build()
        val handle = Verifier::class.java.getDeclaredField("jniHandle").apply { isAccessible = true }.getLong(verifier)
        assertTrue(handle != 0L, "the verifier has a JNI handle")
        val sign = "0".repeat(64)
        val calls = mapOf<String, () -> Any?>(
            "sign" to { jni.getMethod("sign", ByteArray::class.java, text, text).invoke(null, body, null, ts) },
            "signNow" to { jni.getMethod("signNow", ByteArray::class.java, text).invoke(null, body, null) },
            "verify" to { jni.getMethod("verify", ByteArray::class.java, text, text, text).invoke(null, body, key, ts, null) },
            "verifierVerify" to {
                jni.getMethod("verifierVerify", Any::class.java, Long::class.javaPrimitiveType, text, text, text, ByteArray::class.java)
                    .invoke(null, verifier, handle, null, ts, sign, body)
            },
            "verifierVerifyHeaders" to {
                jni.getMethod(
                    "verifierVerifyHeaders", Any::class.java, Long::class.javaPrimitiveType,
                    Array<String>::class.java, Array<String>::class.java, ByteArray::class.java,
                ).invoke(null, verifier, handle, arrayOf("sid", "timestamp", null), arrayOf("sid-1", ts, sign), body)
            },
        )
        for ((name, call) in calls) {
            val thrown = assertThrows(InvocationTargetException::class.java, { call() }, "$name returned instead of throwing")
            assertEquals(IllegalStateException::class.java, thrown.cause?.javaClass, name)
        }
    }

    @Test
    fun everySigningVectorAndUnicodeKeysAgreeOnBothPaths() {
        val dir = System.getProperty("glorycard.vectors") ?: "../tests/vectors"
        var compared = 0
        for (v in ObjectMapper().readTree(File(dir, "signing.json"))["vectors"]) {
            if (!v.has("body") || v["expect"].has("error")) continue
            val body = v["body"].asText().toByteArray(Charsets.UTF_8)
            val secret = SecretKey(v["key"].asText())
            val time = v["timestamp"].asText()
            assertEquals(uniffiSign(SignInput(body, secret, time)), NativeJni.sign(body, secret.text, time), v["name"].asText())
            assertEquals(uniffiCanonicalize(body), NativeJni.canonicalize(body), v["name"].asText())
            compared++
        }
        assertTrue(compared > 50, "$compared vectors")
        // Modified UTF-8 (the JVM's) is not UTF-8 for U+0000 and supplementary characters:
        // keys and bodies holding them must sign the same on both paths.
        val body = "{\"name\":\"\uD83D\uDE00 \\u0000 张三\"}".toByteArray(Charsets.UTF_8)
        for (text in listOf("k\uD83D\uDE00", "k\u0000k", "密钥")) {
            assertEquals(uniffiSign(SignInput(body, SecretKey(text), ts)), NativeJni.sign(body, text, ts), text)
        }
        assertEquals(uniffiCanonicalize(body), NativeJni.canonicalize(body))
    }

    @Test
    fun aMillionCallsHoldNoMemory() {
        val body = """{"orgCode":"106607","dataID":0}""".toByteArray()
        val secret = SecretKey(key)
        repeat(20_000) { Glorycard.sign(body, secret, ts) }
        val before = usedHeapAfterGc()
        val calls = NativeJni.calls()
        var last = ""
        repeat(1_000_000) { last = Glorycard.sign(body, secret, ts) }
        val after = usedHeapAfterGc()
        assertEquals(1_000_000L, NativeJni.calls() - calls)
        assertEquals(Glorycard.sign(body, secret, ts), last)
        assertTrue(after - before < 16L * 1024 * 1024, "heap grew by ${(after - before) / 1024} KiB over a million calls")
    }

    private fun usedHeapAfterGc(): Long {
        val runtime = Runtime.getRuntime()
        repeat(3) {
            System.gc()
            Thread.sleep(50)
        }
        return runtime.totalMemory() - runtime.freeMemory()
    }
}
