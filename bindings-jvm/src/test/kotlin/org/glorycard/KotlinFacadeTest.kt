package org.glorycard

import java.math.BigDecimal
import java.math.BigInteger
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.glorycard.ffi.JsonToken
import org.glorycard.ffi.SidKey
import org.glorycard.ffi.SignInput
import org.glorycard.ffi.deductionFromJson
import org.glorycard.ffi.deductionToJson
import org.glorycard.ffi.explain as ffiExplain
import org.glorycard.ffi.rosterPageResponseFromJson

/** The facade's own duties: conversions, secrecy of toString, exceptions. */
class KotlinFacadeTest {
    private val key = "4fd6b8105f894d0da964b1e80b07b136"
    private val certNo = "11010519491231002X"
    private val certName = "张小凡"

    private fun deduction() = Deduction(
        "106607", CertType.RESIDENT_ID, certNo, certName, "D-0001", "10.00", "10.00",
        "2021-04-07 15:52:06", GloryType.GLORY_CARD, DeductionType.OUTPATIENT_CONSULTATION,
    )

    @Test
    fun keysNeverPrint() {
        assertEquals("SecretKey(***)", SecretKey(key).toString())
        val signer = Signer("sid-1", key)
        assertFalse(signer.toString().contains(key), signer.toString())
        val verifier = Verifier.builder().key("sid-1", key).key("sid-2", SecretKey(key)).build()
        assertFalse(verifier.toString().contains(key), verifier.toString())
        assertTrue(verifier.toString().contains("sid-1"))
        val explanation = Glorycard.explain("""{"certNo":"$certNo"}""", key, "20210407155206")
        assertFalse(explanation.toString().contains(key) || explanation.toString().contains(certNo), explanation.toString())
        assertTrue(explanation.describe().contains("&key=***&"))
        assertFalse(explanation.describe().contains(key))
    }

    /**
     * The generated `org.glorycard.ffi` classes are public and their toString() prints every
     * field: the key and certNo/certName fields are custom types whose toString() hides them.
     */
    @Test
    fun generatedClassesPrintNoKeyAndMaskPersonalData() {
        val body = """{"certNo":"$certNo","certName":"$certName"}""".toByteArray(Charsets.UTF_8)
        val input = SignInput(body, SecretKey(key), "20210407155206")
        val sidKey = SidKey("sid-1", SecretKey(key))
        for (text in listOf(input.toString(), sidKey.toString())) {
            assertFalse(text.contains(key), text)
            assertTrue(text.contains("SecretKey(***)"), text)
        }
        val explanation = ffiExplain(input)
        val text = explanation.toString()
        assertFalse(text.contains(key) || text.contains(certNo) || text.contains(certName), text)
        // STRINGA (canonical-form.md: names in code point order) is certName=张小凡&certNo=11010519491231002X.
        val stringA = "certName=$certName&certNo=$certNo"
        assertTrue(text.contains("stringA=BodyText(<${stringA.length} chars>)"), text)
        assertEquals(stringA, Glorycard.explain(body, key, "20210407155206").stringA)
        val token = JsonToken.Text(BodyText(certNo)).toString()
        assertFalse(token.contains(certNo), token)

        val d = Deduction(
            "106607", CertType.RESIDENT_ID, certNo, certName, "D-0001", "10.00", "10.00",
            "2021-04-07 15:52:06", GloryType.GLORY_CARD, DeductionType.OUTPATIENT_CONSULTATION, null,
        )
        val read = deductionFromJson(deductionToJson(d))
        assertEquals(certNo, read.certNo)
        assertEquals(certName, read.certName)
        val page = rosterPageResponseFromJson(
            """{"responseFlag":"1","responseMessage":"成功","data":[{"certType":"0","certNo":"$certNo","certName":"$certName","gloryID":10000,"gloryType":"1","dataID":7}]}""",
        )
        val shown = listOf(
            d.toString(),
            read.toString(),
            DeductCheckRecord(d, DeductionStatus.DEDUCTED, null).toString(),
            RosterRecord(CertType.RESIDENT_ID, certNo, certName, GloryType.GLORY_CARD, 10000, 1).toString(),
        )
        // A page prints its size and dataID range, not its people.
        assertFalse(page.toString().contains("11**"), page.toString())
        assertTrue(page.toString().contains("1 records, dataID 7..7"), page.toString())
        for (shownText in shown) {
            assertFalse(shownText.contains(certNo) || shownText.contains(certName), shownText)
            // The core's masks (core/src/models/personal.rs): first two and last two characters; first character.
            assertTrue(shownText.contains("11**************2X") && shownText.contains("张**"), shownText)
        }
    }

    @Test
    fun modelsMaskPersonalData() {
        val d = deduction()
        d.validate()
        val shown = listOf(
            d.toString(),
            DeductCheckRecord(d, DeductionStatus.DEDUCTED).toString(),
            RosterRecord(CertType.RESIDENT_ID, certNo, certName, GloryType.GLORY_CARD, 10000, 1).toString(),
        )
        for (text in shown) {
            assertFalse(text.contains(certNo) || text.contains(certName), text)
            // The core's masks (core/src/models/personal.rs): first two and last two characters; first character.
            assertTrue(text.contains("11**************2X") && text.contains("张**"), text)
        }
        val page = RosterPageResponse.fromJson(
            """{"responseFlag":"1","responseMessage":"成功","data":[{"certType":"0","certNo":"$certNo","certName":"$certName","gloryID":10000,"gloryType":"1","dataID":7}]}""",
        )
        assertTrue(page.isSuccess)
        assertEquals(7L, page.data!!.single().dataId)
        assertEquals(certNo, page.data.single().certNo)
        assertFalse(page.toString().contains(certNo) || page.toString().contains(certName), page.toString())
    }

    @Test
    fun validationNamesTheFieldNotTheValue() {
        val e = assertThrows<ValidationException> { deduction().copy(deductionFee = "10.01").validate() }
        assertEquals("invalid_field", e.code)
        assertEquals("deductionFee", e.field)
        val bad = assertThrows<ValidationException> { deduction().copy(certNo = "11010519491231002Y").validate() }
        assertEquals("certNo", bad.field)
        assertFalse(bad.message!!.contains("11010519491231002Y"))
    }

    @Test
    fun modelJsonIsTheWireForm() {
        // The wire names of the platform document, checked on the text itself.
        val json = deduction().toJson()
        for (name in listOf("orgCode", "certType", "certNo", "certName", "deductionID", "totalFee", "deductionFee", "deductionTime", "gloryType", "deductionType")) {
            assertTrue(json.contains("\"$name\":"), "$name in $json")
        }
        assertFalse(json.contains("remarks"))
        assertTrue(Cancellation("1", "D-1", "2021-04-07 15:52:06").toJson().contains("\"deductionTime\":\"2021-04-07 15:52:06\""))
        val answer = DeductCheckRecord.successResponseJson("成功", listOf(DeductCheckRecord(deduction(), DeductionStatus.DEDUCTED)))
        assertTrue(answer.startsWith("{\"responseFlag\":\"1\""), answer)
        assertTrue(answer.contains("\"status\":\"1\""), answer)
    }

    @Test
    fun stringBodiesWithLoneSurrogatesAreRefusedWithTheirByteOffset() {
        // `{"a":"` is 6 bytes and "é" 2 more, so the lone surrogate (char 7) starts at byte 8.
        val body = "{\"a\":\"é\uD800\"}"
        val e = assertThrows<InvalidBodyException> { Glorycard.sign(body, key, "20210407155206") }
        assertEquals("invalid_utf8", e.code)
        assertEquals(8L, e.offset)
        // A proper pair is fine.
        assertEquals("a=\uD83D\uDE00", Glorycard.canonicalize("{\"a\":\"\uD83D\uDE00\"}"))
    }

    @Test
    fun bodyErrorsCarryOffsets() {
        val e = assertThrows<InvalidBodyException> { Glorycard.canonicalize("{\"a\":1,}") }
        assertEquals("invalid_json", e.code)
        assertNotNull(e.offset)
        assertNull(e.field)
        assertEquals("empty_key", assertThrows<KeyException> { Glorycard.sign("{}", "", "20210407155206") }.code)
        assertEquals("invalid_timestamp", assertThrows<InvalidTimestampException> { Glorycard.sign("{}", key, "2021") }.code)
        assertEquals("invalid_signature_format", assertThrows<SignatureException> { Glorycard.verify("{}", key, "20210407155206", "xyz") }.code)
    }

    @Test
    fun mapBodies() {
        val body = linkedMapOf<String, Any?>(
            "orgCode" to "106607",
            "detail" to linkedMapOf("amount" to 10.0, "fee" to BigDecimal("10.00"), "rate" to 0.1f, "note" to ""),
            "items" to listOf(1, 2L, BigInteger("1000000000000000000000001"), null, true),
            "tags" to arrayOf("x", "y"),
        )
        val json = Glorycard.toJson(body)
        // canonical-form.md: 10.0 -> 10, BigDecimal 10.00 -> 10, float 0.1 -> 0.1, big integers keep
        // every digit, empty and null values are left out, arrays are indexed.
        assertEquals(
            "detail.amount=10&detail.fee=10&detail.rate=0.1&items[0]=1&items[1]=2&items[2]=1000000000000000000000001&items[4]=true&orgCode=106607&tags[0]=x&tags[1]=y",
            Glorycard.canonicalize(json),
        )
        val nan = assertThrows<InvalidBodyException> { Glorycard.toJson(mapOf("detail" to mapOf("x" to Double.NaN))) }
        assertEquals("invalid_value", nan.code)
        assertTrue(nan.message!!.contains("detail.x"), nan.message)
        val other = assertThrows<InvalidBodyException> { Glorycard.toJson(mapOf("when" to java.util.Date(0))) }
        assertEquals("invalid_value", other.code)
        assertTrue(other.message!!.contains("when"), other.message)
        val loop = HashMap<String, Any?>()
        loop["self"] = loop
        assertEquals("too_deep", assertThrows<InvalidBodyException> { Glorycard.toJson(loop) }.code)
    }

    @Test
    fun timestamps() {
        // 2021-04-07 15:52:06 UTC+8 is 07:52:06 UTC: 1617781926 s after the epoch.
        assertEquals(1617781926L, Glorycard.unixSecondsOf("20210407155206"))
        assertEquals("20210407155206", Glorycard.timestampOf(1617781926L))
        val now = Glorycard.timestampNow()
        assertTrue(now.matches(Regex("\\d{14}")), now)
        val drift = Glorycard.unixSecondsOf(now) - System.currentTimeMillis() / 1000
        assertTrue(drift in -5..5, "timestampNow is UTC+8 of the system clock (drift $drift s)")
    }

    @Test
    @Suppress("DEPRECATION") // diagnoseMismatch, the deprecated alias, is tested here too
    fun diagnoses() {
        val body = """{"amount":10.00,"id":"7"}"""
        val right = Glorycard.sign(body, key, "20210407155206")
        assertEquals("", Glorycard.diagnoseMismatch(body, key, "20210407155206", right))
        assertNull(Glorycard.diagnoseMismatch(body, key, "20210407155206", "0".repeat(64)))
        // diagnoseMismatch is the deprecated alias of diagnose: the same answers.
        assertEquals("", Glorycard.diagnose(body, key, "20210407155206", right))
        assertNull(Glorycard.diagnose(body, key, "20210407155206", "0".repeat(64)))
    }

    // A lone UTF-16 surrogate has no UTF-8 form, so uniffi cannot pass the String; the facade
    // refuses it as the family of the argument, never with uniffi's checked
    // MalformedInputException, and never echoes the value.
    private val lone = "k3y\uD800v4lue"
    private val ts = "20210407155206"

    private inline fun <reified T : GlorycardException> refused(code: String, call: () -> Unit): T {
        val e = assertThrows<T> { call() }
        assertEquals(code, e.code)
        assertFalse(e.message!!.contains("v4lue"), e.message)
        return e
    }

    @Test
    fun loneSurrogatesInEveryStringArgumentThrowTheArgumentsFamily() {
        // Keys: KeyException (the core's one key code).
        refused<ValidationException>("invalid_field") { SecretKey(lone) }
        refused<ValidationException>("invalid_field") { Glorycard.sign("{}", lone, ts) }
        refused<ValidationException>("invalid_field") { Glorycard.verify("{}", lone, ts, "0".repeat(64)) }
        refused<ValidationException>("invalid_field") { Glorycard.explain("{}", lone, ts) }
        refused<ValidationException>("invalid_field") { Glorycard.signStringA("a=1", lone, ts) }
        refused<ValidationException>("invalid_field") { Glorycard.diagnose("{}", lone, ts, "0".repeat(64)) }
        refused<ValidationException>("invalid_field") { Signer("sid-1", lone) }
        refused<ValidationException>("invalid_field") { Verifier.builder().key("sid-1", lone) }
        // Timestamps.
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.sign("{}", key, "2021\uDC00") }
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.sign("{}".toByteArray(), key, "2021\uDC00") }
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.verify("{}", key, "\uD800", "0".repeat(64)) }
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.explain("{}", key, "\uD800") }
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.signStringA("a=1", key, "\uD800") }
        refused<InvalidTimestampException>("invalid_timestamp") { Glorycard.unixSecondsOf("2021040715520\uD800") }
        refused<InvalidTimestampException>("invalid_timestamp") { Signer("sid-1", key).signAt("{}", "\uD800") }
        // Received signs.
        refused<SignatureException>("invalid_signature_format") { Glorycard.verify("{}", key, ts, lone) }
        refused<SignatureException>("invalid_signature_format") { Glorycard.diagnose("{}", key, ts, lone) }
        // STRINGA is body text: invalid_utf8 at its byte offset ("a=" is 2 bytes, "é" 2 more).
        val stringA = refused<InvalidBodyException>("invalid_utf8") { Glorycard.signStringA("a=é\uDC00", key, ts) }
        assertEquals(4L, stringA.offset)
        // sids being configured: invalid_field naming "sid".
        assertEquals("sid", refused<ValidationException>("invalid_field") { Signer(lone, key) }.field)
        assertEquals("sid", refused<ValidationException>("invalid_field") { Verifier.builder().key(lone, key) }.field)
        // Received sid, timestamp, sign.
        val verifier = Verifier.builder().key("sid-1", key).clock(ManualClock(1617781926L)).build()
        val sign = Glorycard.sign("{}", key, ts)
        refused<SignatureException>("unknown_sid") { verifier.verify(lone, ts, sign, "{}") }
        refused<InvalidTimestampException>("invalid_timestamp") { verifier.verify("sid-1", "\uD800", sign, "{}") }
        refused<SignatureException>("invalid_signature_format") { verifier.verify("sid-1", ts, lone, "{}") }
        // The refused calls leaked nothing that breaks the objects: both still work.
        assertEquals(0, verifier.verify("sid-1", ts, sign, "{}").keyIndex)
        assertEquals(sign, Signer("sid-1", key).signAt("{}", ts)["sign"])
    }

    @Test
    fun loneSurrogatesInHeadersAreRefusedOrSkippedAsTheCoreWould() {
        val clock = ManualClock(1617781926L)
        val verifier = Verifier.builder().key("sid-1", key).clock(clock).build()
        val sign = Glorycard.sign("{}", key, ts)
        fun headers(vararg extra: Pair<String, String>) =
            linkedMapOf("SID" to "sid-1", "Timestamp" to ts, "Sign" to sign) + extra
        refused<SignatureException>("unknown_sid") { verifier.verifyHeaders(headers() + ("SID" to lone), "{}") }
        refused<InvalidTimestampException>("invalid_timestamp") {
            verifier.verifyHeaders(headers() + ("Timestamp" to "\uDC00"), "{}")
        }
        refused<SignatureException>("invalid_signature_format") { verifier.verifyHeaders(headers() + ("Sign" to lone), "{}") }
        // Other headers, whatever they hold, are not the core's business.
        val ok = verifier.verifyHeaders(headers("X-Note" to lone, "X-\uD800" to "v"), "{}")
        assertEquals("sid-1", ok.sid)
        // "ſign" (long s) is not "sign" in ASCII case: a lone surrogate under it is skipped too.
        val mixed = listOf<Map.Entry<String, String>>(
            java.util.AbstractMap.SimpleEntry("sid", "sid-1"),
            java.util.AbstractMap.SimpleEntry("timestamp", Glorycard.timestampOf(1617781927L)),
            java.util.AbstractMap.SimpleEntry("sign", Glorycard.sign("{}", key, Glorycard.timestampOf(1617781927L))),
            java.util.AbstractMap.SimpleEntry("\u017Fign", lone),
        )
        assertEquals(0, verifier.verifyHeaders(mixed, "{}").keyIndex)
    }

    @Test
    fun loneSurrogatesInMapBodiesNameTheirPlace() {
        val value = refused<InvalidBodyException>("invalid_value") {
            Glorycard.toJson(mapOf("detail" to mapOf("items" to listOf("ok", lone))))
        }
        assertTrue(value.message!!.contains("detail.items[1]"), value.message)
        val key = refused<InvalidBodyException>("invalid_value") { Glorycard.toJson(mapOf("detail" to mapOf(lone to 1))) }
        assertTrue(key.message!!.contains("detail"), key.message)
        assertTrue(key.message!!.contains("map key"), key.message)
        refused<InvalidBodyException>("invalid_value") { Glorycard.toJson(mapOf(lone to "top")) }
    }

    @Test
    fun loneSurrogatesInModelFieldsNameTheField() {
        val d = deduction()
        assertEquals("certName", refused<ValidationException>("invalid_field") { d.copy(certName = lone).validate() }.field)
        assertEquals("certNo", refused<ValidationException>("invalid_field") { d.copy(certNo = lone).toJson() }.field)
        assertEquals("remarks", refused<ValidationException>("invalid_field") { d.copy(remarks = lone).toJson() }.field)
        assertEquals("deductionID", refused<ValidationException>("invalid_field") { d.copy(deductionId = lone).validate() }.field)
        assertEquals("orgCode", refused<ValidationException>("invalid_field") { RosterPageRequest(0, lone).toJson() }.field)
        assertEquals("cancelTime", refused<ValidationException>("invalid_field") { Cancellation("106607", "D-1", lone).validate() }.field)
        assertEquals(
            "deductionTimeEnd",
            refused<ValidationException>("invalid_field") { DeductCheckRequest("106607", ts, lone).toJson() }.field,
        )
        assertEquals("certType", refused<ValidationException>("invalid_field") {
            RosterRecord(lone, certNo, certName, "1", 1, 1).toJson()
        }.field)
        val records = listOf(DeductCheckRecord(d, DeductionStatus.DEDUCTED), DeductCheckRecord(d.copy(certName = lone), DeductionStatus.DEDUCTED))
        assertEquals("data[1].certName", refused<ValidationException>("invalid_field") {
            DeductCheckRecord.successResponseJson("ok", records)
        }.field)
        assertEquals("cancelTime", refused<ValidationException>("invalid_field") {
            DeductCheckRecord(d, DeductionStatus.CANCELLED, lone).validate()
        }.field)
        assertEquals("responseMessage", refused<ValidationException>("invalid_field") {
            DeductCheckRecord.failureResponseJson(lone)
        }.field)
        // Reading JSON text that has no UTF-8 form: serialization, as for non-UTF-8 JSON bytes.
        refused<ValidationException>("serialization") { Deduction.fromJson("{\"orgCode\":\"$lone\"}") }
        refused<ValidationException>("serialization") { RosterPageResponse.fromJson(lone) }
        // toString() masks certNo and certName, and a lone surrogate in them does not make it throw.
        assertFalse(d.copy(certName = lone, certNo = lone).toString().contains("v4lue"))
        assertEquals(Glorycard.maskCertName("k3y\uFFFDv4lue"), Glorycard.maskCertName(lone))
    }

    @Test
    fun repeatedSignHeaderIsDuplicateHeader() {
        val verifier = Verifier.builder().key("sid-1", key).clock(ManualClock(1617781926L)).build()
        val sign = Glorycard.sign("{}", key, ts)
        val values: Map<String, Collection<String>> =
            linkedMapOf("sid" to listOf("sid-1"), "timestamp" to listOf(ts), "sign" to listOf(sign, "0".repeat(64)))
        refused<SignatureException>("duplicate_header") { verifier.verifyHeaderValues(values, "{}") }
        val pairs = listOf<Map.Entry<String, String>>(
            java.util.AbstractMap.SimpleEntry("sid", "sid-1"),
            java.util.AbstractMap.SimpleEntry("timestamp", ts),
            java.util.AbstractMap.SimpleEntry("sign", sign),
            java.util.AbstractMap.SimpleEntry("Sign", sign),
        )
        refused<SignatureException>("duplicate_header") { verifier.verifyHeaders(pairs, "{}".toByteArray()) }
        // One value each: accepted by both forms (a new timestamp each, no replay cache).
        assertEquals("sid-1", verifier.verifyHeaderValues(values + ("sign" to listOf(sign)), "{}").sid)
        assertEquals("sid-1", verifier.verifyHeaders(pairs.dropLast(1), "{}").sid)
    }
}
