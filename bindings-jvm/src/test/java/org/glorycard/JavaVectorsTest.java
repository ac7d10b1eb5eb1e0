package org.glorycard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every conformance vector in tests/vectors/, read from Java 8 code (compiled with release 8). */
class JavaVectorsTest {
    static List<JsonNode> load(String file) throws IOException {
        String dir = System.getProperty("glorycard.vectors", "../tests/vectors");
        List<JsonNode> out = new ArrayList<JsonNode>();
        for (JsonNode v : new ObjectMapper().readTree(new File(dir, file)).get("vectors")) {
            out.add(v);
        }
        return out;
    }

    static byte[] bodyBytes(JsonNode v) {
        if (v.has("body")) {
            return v.get("body").asText().getBytes(StandardCharsets.UTF_8);
        }
        String hex = v.get("bodyHex").asText();
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    @TestFactory
    List<DynamicTest> signing() throws IOException {
        List<DynamicTest> tests = new ArrayList<DynamicTest>();
        for (final JsonNode v : load("signing.json")) {
            tests.add(DynamicTest.dynamicTest("signing/" + v.get("name").asText(), () -> {
                byte[] body = bodyBytes(v);
                String key = v.get("key").asText();
                String ts = v.get("timestamp").asText();
                JsonNode expect = v.get("expect");
                if (expect.has("error")) {
                    String code = expect.get("error").asText();
                    try {
                        Glorycard.sign(body, key, ts);
                        fail("expected " + code);
                    } catch (GlorycardException e) {
                        assertEquals(code, e.getCode());
                        if (key.length() >= 8) {
                            assertFalse(e.getMessage().contains(key), "message shows the key");
                        }
                    }
                    try {
                        Glorycard.explain(body, key, ts);
                        fail("expected " + code);
                    } catch (GlorycardException e) {
                        assertEquals(code, e.getCode());
                    }
                } else {
                    String sign = expect.get("sign").asText();
                    String stringA = expect.get("stringA").asText();
                    assertEquals(stringA, Glorycard.canonicalize(body));
                    assertEquals(sign, Glorycard.sign(body, key, ts));
                    if (v.has("body")) {
                        String text = v.get("body").asText();
                        assertEquals(stringA, Glorycard.canonicalize(text));
                        assertEquals(sign, Glorycard.sign(text, key, ts));
                        assertTrue(Glorycard.verify(text, key, ts, sign));
                    }
                    Explanation e = Glorycard.explain(body, key, ts);
                    assertEquals(stringA, e.getStringA());
                    assertEquals(expect.get("md5").asText(), e.getMd5Upper());
                    assertEquals(sign, e.getSign());
                    assertTrue(e.getStringSignTempMasked().endsWith("&key=***&timestamp=" + ts));
                    assertTrue(Glorycard.verify(body, key, ts, sign));
                    String flipped = (sign.charAt(63) == '0' ? "1" : "0");
                    assertFalse(Glorycard.verify(body, key, ts, sign.substring(0, 63) + flipped));
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> verification() throws IOException {
        List<DynamicTest> tests = new ArrayList<DynamicTest>();
        for (final JsonNode v : load("verification.json")) {
            tests.add(DynamicTest.dynamicTest("verification/" + v.get("name").asText(), () -> {
                JsonNode cfg = v.get("verify");
                Verifier.Builder builder = Verifier.builder()
                        .maxSkewSeconds(cfg.get("maxSkewSeconds").asLong())
                        .clock(new ManualClock(Glorycard.unixSecondsOf(cfg.get("now").asText())));
                for (Map.Entry<String, JsonNode> sid : cfg.get("keys").properties()) {
                    for (JsonNode key : sid.getValue()) {
                        builder.key(sid.getKey(), key.asText());
                    }
                }
                if (cfg.get("replayCache").asBoolean()) {
                    builder.replayCache(1024);
                }
                Verifier verifier = builder.build();
                byte[] body = bodyBytes(v);
                Verified verified = null;
                GlorycardException error = null;
                for (int i = 0; i < cfg.get("presentations").asInt(); i++) {
                    verified = null;
                    error = null;
                    try {
                        if (cfg.has("headers")) {
                            Map<String, String> headers = new LinkedHashMap<String, String>();
                            for (Map.Entry<String, JsonNode> h : cfg.get("headers").properties()) {
                                headers.put(h.getKey(), h.getValue().asText());
                            }
                            verified = verifier.verifyHeaders(headers, body);
                        } else {
                            verified = verifier.verify(cfg.get("sid").asText(), v.get("timestamp").asText(),
                                    cfg.get("sign").asText(), body);
                        }
                    } catch (GlorycardException e) {
                        error = e;
                    }
                }
                JsonNode expect = v.get("expect");
                if (expect.has("error")) {
                    assertTrue(error != null, "expected " + expect.get("error"));
                    assertEquals(expect.get("error").asText(), error.getCode());
                } else {
                    assertTrue(error == null, "unexpected " + error);
                    assertEquals(expect.get("keyIndex").asInt(), verified.getKeyIndex());
                }
            }));
        }
        return tests;
    }

    /** Reads, validates and writes back one model, by the vector's model name. */
    private static Object readValidated(String model, String json) {
        if (model.equals("rosterPageRequest")) {
            RosterPageRequest m = Models.rosterPageRequestFromJson(json);
            Models.validate(m);
            assertEquals(m, Models.rosterPageRequestFromJson(Models.toJson(m)));
            return m;
        } else if (model.equals("deduction")) {
            Deduction m = Models.deductionFromJson(json);
            Models.validate(m);
            assertEquals(m, Models.deductionFromJson(Models.toJson(m)));
            return m;
        } else if (model.equals("cancellation")) {
            Cancellation m = Models.cancellationFromJson(json);
            Models.validate(m);
            assertEquals(m, Models.cancellationFromJson(Models.toJson(m)));
            return m;
        } else if (model.equals("deductCheckRequest")) {
            DeductCheckRequest m = Models.deductCheckRequestFromJson(json);
            Models.validate(m);
            assertEquals(m, Models.deductCheckRequestFromJson(Models.toJson(m)));
            return m;
        } else if (model.equals("deductCheckRecord")) {
            DeductCheckRecord m = Models.deductCheckRecordFromJson(json);
            Models.validate(m);
            assertEquals(m, Models.deductCheckRecordFromJson(Models.toJson(m)));
            return m;
        }
        throw new AssertionError("unknown model " + model);
    }

    @TestFactory
    List<DynamicTest> models() throws IOException {
        List<DynamicTest> tests = new ArrayList<DynamicTest>();
        for (final JsonNode v : load("models.json")) {
            tests.add(DynamicTest.dynamicTest("models/" + v.get("name").asText(), () -> {
                JsonNode expect = v.get("expect");
                try {
                    Object model = readValidated(v.get("model").asText(), v.get("json").asText());
                    assertTrue(!expect.has("error"), "expected " + expect.get("error") + ", got valid " + model);
                } catch (ValidationException e) {
                    assertTrue(expect.has("error"), "unexpected " + e);
                    assertEquals(expect.get("error").asText(), e.getCode());
                    assertEquals(expect.has("field") ? expect.get("field").asText() : null, e.getField());
                }
            }));
        }
        return tests;
    }
}
