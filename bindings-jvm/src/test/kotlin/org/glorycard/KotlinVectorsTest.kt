package org.glorycard

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** Every conformance vector in tests/vectors/, read from Kotlin. */
class KotlinVectorsTest {
    private fun load(file: String): List<JsonNode> {
        val dir = System.getProperty("glorycard.vectors") ?: "../tests/vectors"
        return ObjectMapper().readTree(File(dir, file))["vectors"].toList()
    }

    private fun bodyBytes(v: JsonNode): ByteArray = when {
        v.has("body") -> v["body"].asText().toByteArray(Charsets.UTF_8)
        else -> v["bodyHex"].asText().chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    }

    // The core's error families (core/src/error.rs), so each code arrives as its subclass:
    // from the native library's own mapping, so a new code needs no edit here.
    private val familyOf = Glorycard.errorCodes().associateWith { code ->
        (Glorycard.errorClass(code) ?: fail("no class for $code")).kotlin
    }

    private inline fun codeOf(call: () -> Unit): GlorycardException {
        try {
            call()
        } catch (e: GlorycardException) {
            val family = familyOf[e.code] ?: fail("unexpected code ${e.code}")
            assertTrue(family.isInstance(e), "${e.code} arrives as ${e.javaClass.simpleName}")
            return e
        }
        fail<Unit>("no exception")
        throw IllegalStateException()
    }

    @Test
    fun everyCoreCodeHasAFamily() {
        assertEquals(familyOf.keys, Glorycard.errorCodes().toSet())
        val families = setOf(
            InvalidBodyException::class, InvalidTimestampException::class, SignatureException::class,
            ValidationException::class, KeyException::class,
        )
        for ((code, family) in familyOf) assertTrue(family in families, "$code arrives as $family")
        assertEquals(null, Glorycard.errorClass("no_such_code"))
    }

    @TestFactory
    fun signing(): List<DynamicTest> = load("signing.json").map { v ->
        DynamicTest.dynamicTest("signing/" + v["name"].asText()) {
            val bytes = bodyBytes(v)
            val key = v["key"].asText()
            val ts = v["timestamp"].asText()
            val expect = v["expect"]
            if (expect.has("error")) {
                val code = expect["error"].asText()
                val fromSign = codeOf { Glorycard.sign(bytes, key, ts) }
                assertEquals(code, fromSign.code)
                assertEquals(code, codeOf { Glorycard.explain(bytes, key, ts) }.code)
                if (v.has("body")) assertEquals(code, codeOf { Glorycard.sign(v["body"].asText(), key, ts) }.code)
                if (key.length >= 8) assertFalse(fromSign.message!!.contains(key), "message shows the key")
            } else {
                val sign = expect["sign"].asText()
                assertEquals(expect["stringA"].asText(), Glorycard.canonicalize(bytes))
                assertEquals(sign, Glorycard.sign(bytes, key, ts))
                if (v.has("body")) {
                    val text = v["body"].asText()
                    assertEquals(expect["stringA"].asText(), Glorycard.canonicalize(text))
                    assertEquals(sign, Glorycard.sign(text, key, ts))
                    assertEquals(sign, Signer("sid-v", key).signAt(text, ts)["sign"])
                }
                val e = Glorycard.explain(bytes, key, ts)
                assertEquals(expect["stringA"].asText(), e.stringA)
                assertEquals(expect["md5"].asText(), e.md5Upper)
                assertEquals(sign, e.sign)
                assertEquals(ts, e.timestamp)
                assertTrue(e.stringSignTempMasked.endsWith("&key=***&timestamp=$ts"))
                assertFalse(e.stringSignTempMasked.contains(key))
                assertEquals(sign, Glorycard.signStringA(expect["stringA"].asText(), key, ts))
                assertTrue(Glorycard.verify(bytes, key, ts, sign))
                // One hex digit changed: a clean mismatch is false, not an exception.
                val flipped = (if (sign[0] == '0') "1" else "0") + sign.substring(1)
                assertFalse(Glorycard.verify(bytes, key, ts, flipped))
            }
        }
    }

    @TestFactory
    fun diagnosis(): List<DynamicTest> = load("diagnosis.json").map { v ->
        DynamicTest.dynamicTest("diagnosis/" + v["name"].asText()) {
            val body = v["body"].asText()
            val key = v["key"].asText()
            val ts = v["timestamp"].asText()
            val received = v["received"].asText()
            val expect = v["expect"]
            val english = if (expect["match"].asBoolean()) "" else expect["departure"].asText()
            val chinese = if (expect["match"].asBoolean()) "" else expect["departureZh"].asText()
            assertEquals(english, Glorycard.diagnose(body, key, ts, received))
            assertEquals(english, Glorycard.diagnose(body, key, ts, received, java.util.Locale.US))
            assertEquals(chinese, Glorycard.diagnose(body, key, ts, received, java.util.Locale.SIMPLIFIED_CHINESE))
            assertEquals(chinese, Glorycard.diagnose(body, key, ts, received, java.util.Locale.TRADITIONAL_CHINESE))
        }
    }

    @TestFactory
    fun verification(): List<DynamicTest> = load("verification.json").map { v ->
        DynamicTest.dynamicTest("verification/" + v["name"].asText()) {
            val cfg = v["verify"]
            val builder = Verifier.builder()
                .maxSkewSeconds(cfg["maxSkewSeconds"].asLong())
                .clock(ManualClock(Glorycard.unixSecondsOf(cfg["now"].asText())))
            cfg["keys"].properties().forEach { (sid, keys) -> keys.forEach { builder.key(sid, it.asText()) } }
            if (cfg["replayCache"].asBoolean()) builder.replayCache(1024)
            val verifier = builder.build()
            val body = bodyBytes(v)
            var result: Result<Verified>? = null
            repeat(cfg["presentations"].asInt()) {
                result = runCatching {
                    if (cfg.has("headers")) {
                        val headers = LinkedHashMap<String, String>()
                        cfg["headers"].properties().forEach { (name, value) -> headers[name] = value.asText() }
                        verifier.verifyHeaders(headers, body)
                    } else {
                        verifier.verify(cfg["sid"].asText(), v["timestamp"].asText(), cfg["sign"].asText(), body)
                    }
                }
            }
            val outcome = result!!
            val expect = v["expect"]
            if (expect.has("error")) {
                val error = outcome.exceptionOrNull() as? GlorycardException ?: fail("expected ${expect["error"]}, got $outcome")
                assertEquals(expect["error"].asText(), error.code)
                assertTrue(familyOf.getValue(error.code).isInstance(error))
            } else {
                val verified = outcome.getOrThrow()
                assertEquals(expect["keyIndex"].asInt(), verified.keyIndex)
            }
        }
    }

    @TestFactory
    fun models(): List<DynamicTest> = load("models.json").map { v ->
        DynamicTest.dynamicTest("models/" + v["name"].asText()) {
            val json = v["json"].asText()
            val expect = v["expect"]
            val outcome = runCatching {
                when (val model = v["model"].asText()) {
                    "rosterPageRequest" -> RosterPageRequest.fromJson(json).also { it.validate(); assertEquals(it, RosterPageRequest.fromJson(it.toJson())) }
                    "deduction" -> Deduction.fromJson(json).also { it.validate(); assertEquals(it, Deduction.fromJson(it.toJson())) }
                    "cancellation" -> Cancellation.fromJson(json).also { it.validate(); assertEquals(it, Cancellation.fromJson(it.toJson())) }
                    "deductCheckRequest" -> DeductCheckRequest.fromJson(json).also { it.validate(); assertEquals(it, DeductCheckRequest.fromJson(it.toJson())) }
                    "deductCheckRecord" -> DeductCheckRecord.fromJson(json).also { it.validate(); assertEquals(it, DeductCheckRecord.fromJson(it.toJson())) }
                    else -> fail("unknown model $model")
                }
            }
            // Personal data never appears in toString() or in a message.
            val parsed = ObjectMapper().readTree(json)
            val secrets = listOfNotNull(
                parsed["certNo"]?.asText()?.takeIf { it.length > 4 },
                parsed["certName"]?.asText()?.takeIf { it.length > 1 },
            )
            if (expect.has("error")) {
                val error = outcome.exceptionOrNull() as? GlorycardException ?: fail("expected ${expect["error"]}, got $outcome")
                assertEquals(expect["error"].asText(), error.code)
                assertEquals(expect["field"]?.asText(), error.field)
                assertTrue(error is ValidationException)
                secrets.forEach { assertFalse(error.message!!.contains(it), "message shows personal data") }
            } else {
                val model = outcome.getOrThrow()
                secrets.forEach { assertFalse(model.toString().contains(it), "toString shows personal data: $model") }
            }
        }
    }
}
