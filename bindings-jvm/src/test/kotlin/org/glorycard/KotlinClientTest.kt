package org.glorycard

import com.fasterxml.jackson.databind.ObjectMapper
import java.io.InputStream
import java.nio.charset.StandardCharsets
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The asynchronous client, and the /deductCheck handler and servlet body reader on hostile input. */
class KotlinClientTest {
    private fun deduction(holder: RosterRecord, id: String) = Deduction(
        Sandbox.ORG_CODE, holder.certType, holder.certNo, holder.certName, id,
        "8.00", "8.00", "2026-11-30 09:15:00", holder.gloryType, DeductionType.OUTPATIENT_CONSULTATION,
    )

    @Test
    fun asyncCallsCompleteTheirFuturesAndFailuresCompleteThemExceptionally() {
        Sandbox.start().use { sandbox ->
            sandbox.client().use { client ->
                val holders = client.rosterPageAsync(0).get(30, TimeUnit.SECONDS).filter { '*' !in it.certNo }
                val futures = (0 until 200).map { i -> client.deductAsync(deduction(holders[i % holders.size], "KT-ASYNC-$i")) }
                CompletableFuture.allOf(*futures.toTypedArray()).get(120, TimeUnit.SECONDS)
                assertTrue(futures.all { it.get().responseFlag == "1" })
                assertEquals(200, sandbox.admin("/admin/stats")["deductions"].asInt())

                val refused = client.cancelAsync(Cancellation(Sandbox.ORG_CODE, "KT-NEVER", "2026-11-30 10:00:00"))
                val thrown = assertThrows<ExecutionException> { refused.get(30, TimeUnit.SECONDS) }
                assertTrue(thrown.cause is PlatformRejectedException, thrown.cause.toString())

                // An invalid record fails the future without a call.
                val invalid = deduction(holders[0], "KT-INVALID").copy(totalFee = "1.00", deductionFee = "2.00")
                val failed = assertThrows<ExecutionException> { client.deductAsync(invalid).get(5, TimeUnit.SECONDS) }
                assertEquals("deductionFee", (failed.cause as ValidationException).field)
            }
            // A closed client refuses further calls.
            val closed = sandbox.client()
            closed.close()
            assertThrows<IllegalStateException> { closed.rosterPage(0) }
        }
    }

    @Test
    fun theNativeLogReachesSlf4jWithoutPersonalData() {
        val logger = org.slf4j.LoggerFactory.getLogger("org.glorycard") as ch.qos.logback.classic.Logger
        val appender = ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>()
        appender.start()
        logger.addAppender(appender)
        try {
            Sandbox.start().use { sandbox ->
                sandbox.client().use { client ->
                    val holder = client.rosterPage(0).first { '*' !in it.certNo }
                    client.deduct(deduction(holder, "KT-LOGGED"))
                    val lines = appender.list.map { "${it.loggerName} ${it.level} ${it.formattedMessage}" }
                    val call = lines.firstOrNull { "call finished" in it && "/store/deduct" in it }
                    assertTrue(call != null, lines.joinToString("\n"))
                    assertTrue(call!!.startsWith("org.glorycard.glorycard_client.client INFO"), call)
                    assertTrue("attempt=1" in call && "latency_ms=" in call, call)
                    for (line in lines) {
                        assertFalse(holder.certNo in line || holder.certName in line || Sandbox.KEY in line, line)
                    }
                }
            }
        } finally {
            logger.detachAppender(appender)
        }
    }

    private val key = SecretKey(Sandbox.KEY)
    private val record = DeductCheckRecord(
        Deduction(
            Sandbox.ORG_CODE, CertType.RESIDENT_ID, "11010519491231002X", "张三", "KT-CHECK-1",
            "10.00", "10.00", "2026-11-30 09:15:00", GloryType.GLORY_CARD, DeductionType.BUS_FARE,
        ),
        DeductionStatus.DEDUCTED,
    )
    private val request = """{"orgCode":"106607","deductTimeStart":"2026-11-30 00:00:00","deductionTimeEnd":"2026-11-30 23:59:59"}"""

    private fun signed(body: String, signer: Signer = Signer(Sandbox.SID, key)): Map<String, List<String>> =
        signer.sign(body).mapValues { listOf(it.value) }

    /** The answer's JSON, after checking its signature with the sid's key. */
    private fun verifiedAnswer(answer: org.glorycard.ffi.SignedResponse): Map<*, *> {
        assertEquals(200, answer.status)
        val headers = answer.headers
        assertEquals(Sandbox.SID, headers["sid"])
        assertTrue(Glorycard.verify(answer.body, Sandbox.KEY, headers.getValue("timestamp"), headers.getValue("sign")))
        return ObjectMapper().readValue(answer.body, Map::class.java)
    }

    @Test
    fun theHandlerAnswersSignedRefusesUnauthenticatedCallsAndReplaysAndEchoesNothing() {
        var calls = 0
        val handler = DeductCheckHandler.builder(Sandbox.SID, key).orgCode(Sandbox.ORG_CODE)
            .source { org, start, end ->
                calls++
                assertEquals(Triple(Sandbox.ORG_CODE, "2026-11-30 00:00:00", "2026-11-30 23:59:59"), Triple(org, start, end))
                listOf(record)
            }.build()
        handler.use {
            val headers = signed(request)
            val ok = verifiedAnswer(handler.handle(headers, request.toByteArray(StandardCharsets.UTF_8)))
            assertEquals("1", ok["responseFlag"])
            val data = ok["data"] as List<*>
            assertEquals("KT-CHECK-1", (data[0] as Map<*, *>)["deductionID"])
            assertEquals(1, calls)

            // The same headers again: a replay, refused with the fixed message.
            val replayed = verifiedAnswer(handler.handle(headers, request.toByteArray(StandardCharsets.UTF_8)))
            assertEquals("0", replayed["responseFlag"])
            val refusal = replayed["responseMessage"] as String

            // Unsigned, wrongly signed, or from an unknown sid: the same message, echoing nothing.
            val hostileSid = "<script>evil-sid</script>"
            for (bad in listOf(
                emptyMap(),
                signed(request, Signer(Sandbox.SID, SecretKey("wrong-key"))),
                signed(request, Signer(hostileSid, key)),
            )) {
                val answer = handler.handle(bad, request.toByteArray(StandardCharsets.UTF_8), "192.0.2.1")
                val text = String(answer.body, StandardCharsets.UTF_8)
                assertEquals(refusal, verifiedAnswer(answer)["responseMessage"])
                assertFalse(text.contains("evil"), text)
            }
            assertEquals(1, calls, "the source is never asked before authentication")

            // A header value without a UTF-8 form is left out: refused, not thrown.
            val lone = mapOf("sid" to listOf("s\uD800"), "timestamp" to listOf("x"), "sign" to listOf("y"))
            assertEquals("0", verifiedAnswer(handler.handle(lone, ByteArray(0)))["responseFlag"])
        }
    }

    @Test
    fun aThrowingSourceIsARefusalNamingOnlyTheExceptionClass() {
        val handler = DeductCheckHandler.builder(Sandbox.SID, key).orgCode(Sandbox.ORG_CODE)
            .source { _, _, _ -> throw IllegalStateException("ledger down for 11010519491231002X 张三") }
            .build()
        val answer = verifiedAnswer(handler.handle(signed(request), request.toByteArray(StandardCharsets.UTF_8)))
        assertEquals("0", answer["responseFlag"])
        val message = answer["responseMessage"] as String
        assertTrue(message.contains("java.lang.IllegalStateException"), message)
        assertFalse(message.contains("11010519491231002X") || message.contains("张三"), message)

        val noSource = assertThrows<ConfigException> { DeductCheckHandler.builder(Sandbox.SID, key).orgCode("1").build() }
        assertEquals("config", noSource.code)
        val emptyKey = assertThrows<GlorycardException> {
            DeductCheckHandler.builder(Sandbox.SID, SecretKey("")).orgCode("1").source { _, _, _ -> emptyList() }.build()
        }
        assertEquals("empty_key", emptyKey.code)
    }

    @Test
    fun theServletBodyReaderStopsAtItsLimitOnAnEndlessBody() {
        // An endless body: the reader stops one buffer past the limit, whatever is declared.
        var served = 0L
        val endless = object : InputStream() {
            override fun read(): Int = 'x'.code.also { served++ }
            override fun read(b: ByteArray, off: Int, len: Int): Int {
                b.fill('x'.code.toByte(), off, off + len)
                served += len
                return len
            }
        }
        assertNull(readBodyAtMost(endless, -1, DeductCheckHandler.DEFAULT_MAX_BODY_BYTES))
        assertTrue(served <= DeductCheckHandler.DEFAULT_MAX_BODY_BYTES + 8192, "read $served bytes")
        // A declared length over the limit is refused before reading.
        served = 0
        assertNull(readBodyAtMost(endless, 10L * 1024 * 1024 * 1024, DeductCheckHandler.DEFAULT_MAX_BODY_BYTES))
        assertEquals(0, served)
        // Within the limit: the exact bytes.
        val body = request.toByteArray(StandardCharsets.UTF_8)
        assertEquals(request, String(readBodyAtMost(body.inputStream(), body.size.toLong(), DeductCheckHandler.DEFAULT_MAX_BODY_BYTES)!!, StandardCharsets.UTF_8))
    }
}
