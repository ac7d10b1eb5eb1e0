package org.glorycard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The Java 8 face of the binding, as a hospital information system would use it: this file
 * is compiled with {@code --release 8}.
 */
class JavaApiTest {
    // The platform document's worked example (canonical-form.md section 1).
    static final String KEY = "4fd6b8105f894d0da964b1e80b07b136";
    static final String TS = "20210407155206";
    static final String SPEC_SIGN = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";

    static String specBody() throws Exception {
        String dir = System.getProperty("glorycard.vectors", "../tests/vectors");
        return new String(Files.readAllBytes(Paths.get(dir, "spec-example.body.json")), StandardCharsets.UTF_8);
    }

    @Test
    void signVerifyExplainTheSpecExample() throws Exception {
        String body = specBody();
        assertEquals(SPEC_SIGN, Glorycard.sign(body, KEY, TS));
        assertEquals(SPEC_SIGN, Glorycard.sign(body.getBytes(StandardCharsets.UTF_8), KEY, TS));
        assertTrue(Glorycard.verify(body, KEY, TS, SPEC_SIGN));
        assertFalse(Glorycard.verify(body, KEY, "20210407155207", SPEC_SIGN));
        Explanation e = Glorycard.explain(body, KEY, TS);
        assertEquals(SPEC_SIGN, e.getSign());
        assertTrue(e.getStringSignTempMasked().endsWith("&key=***&timestamp=" + TS));
        assertFalse(e.toString().contains(KEY));
        assertFalse(e.describe().contains(KEY));
    }

    @Test
    void catchErrorsByFamilyOrCode() {
        try {
            Glorycard.sign("{\"a\":", KEY, TS);
            fail("invalid JSON signed");
        } catch (InvalidBodyException e) {
            assertEquals("invalid_json", e.getCode());
            assertNotNull(e.getOffset());
        }
        try {
            Glorycard.canonicalize("{\"a\":1,\"a\":2}");
            fail("duplicate key accepted");
        } catch (GlorycardException e) {
            assertEquals("duplicate_key", e.getCode());
            assertTrue(e instanceof InvalidBodyException);
        }
        try {
            Glorycard.sign("{}", KEY, "20210230000000");
            fail("30 February accepted");
        } catch (InvalidTimestampException e) {
            assertEquals("invalid_timestamp", e.getCode());
        }
        try {
            new Signer("sid", "").signAt("{}", TS);
            fail("empty key accepted");
        } catch (KeyException e) {
            assertEquals("empty_key", e.getCode());
        }
        // Unchecked: no throws clause needed anywhere above.
        assertTrue(RuntimeException.class.isAssignableFrom(GlorycardException.class));
    }

    @Test
    void signerHeadersAndVerifier() throws Exception {
        String body = specBody();
        String sid = "47258258201708031835123456";
        Signer signer = new Signer(sid, new SecretKey(KEY));
        Map<String, String> headers = signer.signAt(body, TS);
        assertEquals(Arrays.asList("sid", "timestamp", "sign"), new ArrayList<String>(headers.keySet()));
        assertEquals(sid, headers.get("sid"));
        assertEquals(SPEC_SIGN, headers.get("sign"));
        assertFalse(signer.toString().contains(KEY));

        ManualClock clock = new ManualClock(Glorycard.unixSecondsOf(TS) + 299);
        Verifier verifier = Verifier.builder()
                .key(sid, "old-key")
                .key(sid, KEY)
                .maxSkewSeconds(300)
                .replayCache(100000)
                .clock(clock)
                .build();
        Map<String, String> received = new HashMap<String, String>();
        received.put("SID", sid);
        received.put("Timestamp", TS);
        received.put("Sign", SPEC_SIGN);
        Verified ok = verifier.verifyHeaders(received, body);
        assertEquals(1, ok.getKeyIndex());
        assertEquals(TS, ok.getTimestamp());
        try {
            verifier.verifyHeaders(received, body);
            fail("replay accepted");
        } catch (SignatureException e) {
            assertEquals("replayed", e.getCode());
        }
        clock.set(Glorycard.unixSecondsOf(TS) + 301);
        try {
            verifier.verify(sid, TS, SPEC_SIGN, body);
            fail("stale timestamp accepted");
        } catch (InvalidTimestampException e) {
            assertEquals("timestamp_out_of_window", e.getCode());
        }
        try {
            verifier.verify("unknown", TS, SPEC_SIGN, body);
            fail("unknown sid accepted");
        } catch (SignatureException e) {
            assertEquals("unknown_sid", e.getCode());
        }
        assertFalse(verifier.toString().contains(KEY));
    }

    @Test
    void modelsFromJava() {
        Deduction d = new Deduction("106607", CertType.RESIDENT_ID, "11010519491231002X", "张小凡",
                "HIS-0001", "10.00", "8.50", "2024-02-29 23:59:59", GloryType.GLORY_CARD,
                DeductionType.OUTPATIENT_CONSULTATION, null);
        Models.validate(d);
        assertFalse(d.toString().contains("11010519491231002X"));
        assertFalse(d.toString().contains("张小凡"));
        String json = Models.toJson(d);
        assertTrue(json.contains("\"deductionFee\":\"8.50\""), json);
        // Money strings are signed as written: 8.50 stays 8.50 in STRINGA.
        assertTrue(Glorycard.canonicalize(json).contains("deductionFee=8.50&"));
        Deduction tooMuch = new Deduction("106607", CertType.RESIDENT_ID, "11010519491231002X", "张小凡",
                "HIS-0001", "10.00", "10.50", "2024-02-29 23:59:59", GloryType.GLORY_CARD,
                DeductionType.OUTPATIENT_CONSULTATION, "复诊");
        try {
            Models.validate(tooMuch);
            fail("deductionFee above totalFee accepted");
        } catch (ValidationException e) {
            assertEquals("invalid_field", e.getCode());
            assertEquals("deductionFee", e.getField());
        }
    }

    /** The generated classes are public: their toString() must hide the same things. */
    @Test
    void generatedClassesPrintNoKeyAndMaskPersonalData() {
        String certNo = "11010519491231002X";
        String certName = "张小凡";
        String[] keyHolders = {
            new org.glorycard.ffi.SignInput("{}".getBytes(StandardCharsets.UTF_8), new SecretKey(KEY), TS).toString(),
            new org.glorycard.ffi.SidKey("sid-1", new SecretKey(KEY)).toString(),
        };
        for (String text : keyHolders) {
            assertFalse(text.contains(KEY), text);
            assertTrue(text.contains("SecretKey(***)"), text);
        }
        Deduction d = new Deduction("106607", CertType.RESIDENT_ID,
                certNo, certName, "HIS-0001", "10.00", "8.50", "2024-02-29 23:59:59",
                GloryType.GLORY_CARD, DeductionType.OUTPATIENT_CONSULTATION, null);
        String[] personal = {
            d.toString(),
            new DeductCheckRecord(d, DeductionStatus.DEDUCTED, null).toString(),
            new RosterRecord(CertType.RESIDENT_ID, certNo, certName,
                    GloryType.GLORY_CARD, 10000L, 1L).toString(),
        };
        for (String text : personal) {
            assertFalse(text.contains(certNo), text);
            assertFalse(text.contains(certName), text);
            // The core's masks: first two and last two characters of certNo, first character of
            // certName. The models' toString() is the core's Debug (`cert_no: "11**…2X"`).
            assertTrue(text.contains("cert_no: \"11**************2X\""), text);
            assertTrue(text.contains("cert_name: \"张**\""), text);
        }
    }

    @Test
    void mapBodies() {
        Map<String, Object> detail = new LinkedHashMap<String, Object>();
        detail.put("amount", new BigDecimal("10.00"));
        detail.put("count", 3);
        Map<String, Object> body = new LinkedHashMap<String, Object>();
        body.put("orgCode", "106607");
        body.put("detail", detail);
        body.put("ids", Arrays.asList(7L, 8L));
        String json = Glorycard.toJson(body);
        assertEquals("detail.amount=10&detail.count=3&ids[0]=7&ids[1]=8&orgCode=106607", Glorycard.canonicalize(json));
    }

    /** 16 threads share one Signer and one Verifier; every result matches the vectors. */
    @Test
    void sixteenThreads() throws Exception {
        final List<JsonNode> vectors = new ArrayList<JsonNode>();
        for (JsonNode v : JavaVectorsTest.load("signing.json")) {
            if (!v.get("expect").has("error")) {
                vectors.add(v);
            }
        }
        final String sid = "sid-threads";
        final Verifier verifier = Verifier.builder().key(sid, KEY).replayCache(1_000_000).build();
        final Signer signer = new Signer(sid, KEY);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Integer>> results = new ArrayList<Future<Integer>>();
        for (int t = 0; t < 16; t++) {
            final int thread = t;
            results.add(pool.submit(new Callable<Integer>() {
                @Override
                public Integer call() {
                    List<JsonNode> mine = new ArrayList<JsonNode>(vectors);
                    Collections.shuffle(mine, new java.util.Random(thread));
                    int checked = 0;
                    for (int round = 0; round < 5; round++) {
                        for (JsonNode v : mine) {
                            byte[] body = JavaVectorsTest.bodyBytes(v);
                            String sign = Glorycard.sign(body, v.get("key").asText(), v.get("timestamp").asText());
                            assertEquals(v.get("expect").get("sign").asText(), sign, v.get("name").asText());
                            checked++;
                        }
                        // A body of this thread's own, signed now and verified once; its replay is refused.
                        String body = "{\"thread\":" + thread + ",\"round\":" + round + "}";
                        Map<String, String> headers = signer.sign(body);
                        assertEquals(sid, verifier.verifyHeaders(headers, body).getSid());
                        try {
                            verifier.verifyHeaders(headers, body);
                            fail("replay accepted");
                        } catch (SignatureException e) {
                            assertEquals("replayed", e.getCode());
                        }
                        checked++;
                    }
                    return checked;
                }
            }));
        }
        int total = 0;
        for (Future<Integer> f : results) {
            total += f.get();
        }
        pool.shutdown();
        assertEquals(16 * 5 * (vectors.size() + 1), total);
    }

    // A String with a lone UTF-16 surrogate has no UTF-8 form. Each argument is refused as its
    // family with the core's code: never uniffi's checked MalformedInputException, which Java
    // could not even catch here without a throws clause.
    static final String LONE = "k3y\uD800v4lue";

    static <T extends GlorycardException> T refused(Class<T> type, String code, Runnable call) {
        try {
            call.run();
        } catch (GlorycardException e) {
            assertTrue(type.isInstance(e), code + " arrives as " + e.getClass().getSimpleName());
            assertEquals(code, e.getCode());
            assertFalse(e.getMessage().contains("v4lue"), e.getMessage());
            return type.cast(e);
        }
        fail("accepted");
        return null;
    }

    @Test
    void loneSurrogatesAreUncheckedGlorycardExceptions() {
        refused(InvalidBodyException.class, "invalid_utf8", () -> Glorycard.sign("{\"a\":\"\uDC00\"}", KEY, TS));
        refused(ValidationException.class, "invalid_field", () -> Glorycard.sign("{}", LONE, TS));
        refused(ValidationException.class, "invalid_field", () -> new SecretKey(LONE));
        refused(InvalidTimestampException.class, "invalid_timestamp", () -> Glorycard.sign("{}", KEY, "\uD800"));
        refused(InvalidTimestampException.class, "invalid_timestamp", () -> Glorycard.unixSecondsOf("\uD800"));
        refused(SignatureException.class, "invalid_signature_format", () -> Glorycard.verify("{}", KEY, TS, LONE));
        refused(SignatureException.class, "invalid_signature_format",
                () -> Glorycard.diagnose("{}", KEY, TS, LONE));
        ValidationException sid = refused(ValidationException.class, "invalid_field", () -> new Signer(LONE, KEY));
        assertEquals("sid", sid.getField());
        refused(InvalidTimestampException.class, "invalid_timestamp", () -> new Signer("sid-1", KEY).signAt("{}", "\uDC00"));

        // Map bodies: invalid_value naming the place, for a value and for a key.
        Map<String, Object> detail = new LinkedHashMap<String, Object>();
        detail.put("note", LONE);
        Map<String, Object> body = new LinkedHashMap<String, Object>();
        body.put("detail", detail);
        InvalidBodyException value = refused(InvalidBodyException.class, "invalid_value", () -> Glorycard.toJson(body));
        assertTrue(value.getMessage().contains("detail.note"), value.getMessage());
        refused(InvalidBodyException.class, "invalid_value", () -> Glorycard.toJson(Collections.singletonMap(LONE, "x")));

        // Model fields: invalid_field naming the wire name; reading such JSON: serialization.
        Deduction d = new Deduction("106607", CertType.RESIDENT_ID, "11010519491231002X", LONE, "D-1",
                "10.00", "10.00", "2021-04-07 15:52:06", GloryType.GLORY_CARD, DeductionType.BUS_FARE, null);
        assertEquals("certName", refused(ValidationException.class, "invalid_field", () -> Models.validate(d)).getField());
        assertEquals("certName", refused(ValidationException.class, "invalid_field", () -> Models.toJson(d)).getField());
        assertEquals("orgCode", refused(ValidationException.class, "invalid_field",
                () -> Models.toJson(new Cancellation(LONE, "D-1", "2021-04-07 15:52:06"))).getField());
        refused(ValidationException.class, "serialization", () -> Models.deductionFromJson("{\"certName\":\"" + LONE + "\"}"));
        assertFalse(d.toString().contains("v4lue"));

        // Verifier: received sid, timestamp and sign, as arguments and as headers.
        ManualClock clock = new ManualClock(Glorycard.unixSecondsOf(TS));
        final Verifier verifier = Verifier.builder().key("sid-1", KEY).clock(clock).build();
        final String sign = Glorycard.sign("{}", KEY, TS);
        refused(SignatureException.class, "unknown_sid", () -> verifier.verify(LONE, TS, sign, "{}"));
        refused(InvalidTimestampException.class, "invalid_timestamp", () -> verifier.verify("sid-1", LONE, sign, "{}"));
        refused(SignatureException.class, "invalid_signature_format", () -> verifier.verify("sid-1", TS, LONE, "{}"));
        final Map<String, String> headers = new LinkedHashMap<String, String>();
        headers.put("sid", "sid-1");
        headers.put("timestamp", TS);
        headers.put("sign", LONE);
        refused(SignatureException.class, "invalid_signature_format", () -> verifier.verifyHeaders(headers, "{}"));
        headers.put("sign", sign);
        headers.put("X-Trace", LONE); // not sid, timestamp or sign: skipped, as the core skips it
        assertEquals("sid-1", verifier.verifyHeaders(headers, "{}").getSid());
    }

    @Test
    void repeatedSignHeaderIsDuplicateHeaderFromServletAndSpringShapes() {
        ManualClock clock = new ManualClock(Glorycard.unixSecondsOf(TS));
        final Verifier verifier = Verifier.builder().key("sid-1", KEY).clock(clock).build();
        final String sign = Glorycard.sign("{}", KEY, TS);

        // Spring's HttpHeaders is a Map<String, List<String>>; a servlet gives Enumerations.
        final Map<String, List<String>> multi = new LinkedHashMap<String, List<String>>();
        multi.put("Sid", Collections.singletonList("sid-1"));
        multi.put("Timestamp", Collections.singletonList(TS));
        multi.put("Sign", Arrays.asList(sign, sign));
        refused(SignatureException.class, "duplicate_header", () -> verifier.verifyHeaderValues(multi, "{}"));
        multi.put("Sign", Collections.singletonList(sign));
        assertEquals("sid-1", verifier.verifyHeaderValues(multi, "{}".getBytes(StandardCharsets.UTF_8)).getSid());

        final List<Map.Entry<String, String>> pairs = new ArrayList<Map.Entry<String, String>>();
        pairs.add(new java.util.AbstractMap.SimpleEntry<String, String>("sid", "sid-1"));
        pairs.add(new java.util.AbstractMap.SimpleEntry<String, String>("timestamp", TS));
        pairs.add(new java.util.AbstractMap.SimpleEntry<String, String>("sign", sign));
        assertEquals("sid-1", verifier.verifyHeaders(pairs, "{}").getSid());
        pairs.add(new java.util.AbstractMap.SimpleEntry<String, String>("SIGN", sign));
        refused(SignatureException.class, "duplicate_header", () -> verifier.verifyHeaders(pairs, "{}"));
    }
}
