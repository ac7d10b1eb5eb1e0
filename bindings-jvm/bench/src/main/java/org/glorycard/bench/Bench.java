package org.glorycard.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.glorycard.Glorycard;

/**
 * The native binding against what a Java developer would write by hand, in one JVM run:
 * warmed, System.nanoTime() over batches, median of the batches' ns per operation.
 */
public final class Bench {
    static final String KEY = "4fd6b8105f894d0da964b1e80b07b136";
    static final String TS = "20210407155206";
    static final String SPEC_SIGN = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";

    // ---------------------------------------------------------------- the pure-Java signer

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Jackson tree, recursive flatten into a TreeMap, MessageDigest MD5, Mac HmacSHA256. */
    static String pureJavaSign(String body, String key, String timestamp) throws Exception {
        JsonNode root = MAPPER.readTree(body);
        TreeMap<String, String> pairs = new TreeMap<String, String>();
        Iterator<Map.Entry<String, JsonNode>> members = root.fields();
        while (members.hasNext()) {
            Map.Entry<String, JsonNode> member = members.next();
            if (!member.getKey().equals("sign")) {
                flatten(member.getKey(), member.getValue(), pairs);
            }
        }
        StringBuilder stringA = new StringBuilder();
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            if (stringA.length() > 0) {
                stringA.append('&');
            }
            stringA.append(pair.getKey()).append('=').append(pair.getValue());
        }
        String temp = stringA + "&key=" + key + "&timestamp=" + timestamp;
        byte[] md5 = MessageDigest.getInstance("MD5").digest(temp.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return hex(mac.doFinal(hex(md5).toUpperCase().getBytes(StandardCharsets.US_ASCII)));
    }

    static void flatten(String name, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> member = it.next();
                flatten(name + "." + member.getKey(), member.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(name + "[" + i + "]", node.get(i), out);
            }
        } else if (node.isTextual()) {
            if (!node.textValue().isEmpty()) {
                out.put(name, node.textValue());
            }
        } else if (node.isIntegralNumber() || node.isBoolean()) {
            out.put(name, node.asText());
        } else if (node.isNumber()) {
            out.put(name, node.decimalValue().stripTrailingZeros().toPlainString());
        }
        // null: no pair
    }

    static String hex(byte[] bytes) {
        char[] digits = "0123456789abcdef".toCharArray();
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = digits[(bytes[i] >> 4) & 15];
            out[2 * i + 1] = digits[bytes[i] & 15];
        }
        return new String(out);
    }

    // ---------------------------------------------------------------- a 500-record roster page

    static long state;

    static long next() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static int below(int bound) {
        return (int) Long.remainderUnsigned(next(), bound);
    }

    /** A store/all answer of 500 holders, as the platform sends it. */
    static String rosterPage() throws Exception {
        String[] surnames = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "吴", "周", "徐", "孙"};
        String[] given = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "小凡", "建国", "秀英"};
        String[] regions = {"331001", "331002", "330102", "110105", "440524", "320106"};
        int[] weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        String checks = "10X98765432";
        state = 7;
        List<Map<String, Object>> data = new ArrayList<Map<String, Object>>();
        for (int id = 1; id <= 500; id++) {
            String first17 = regions[below(regions.length)] + String.format("%04d%02d%02d%03d",
                    1925 + below(80), 1 + below(12), 1 + below(28), below(1000));
            int sum = 0;
            for (int i = 0; i < 17; i++) {
                sum += (first17.charAt(i) - '0') * weights[i];
            }
            Map<String, Object> r = new LinkedHashMap<String, Object>();
            r.put("certType", "0");
            r.put("certNo", first17 + checks.charAt(sum % 11));
            r.put("certName", surnames[below(surnames.length)] + given[below(given.length)]);
            r.put("gloryType", "1");
            r.put("gloryID", 10000 + id);
            r.put("dataID", id);
            data.add(r);
        }
        Map<String, Object> page = new LinkedHashMap<String, Object>();
        page.put("responseFlag", "1");
        page.put("responseMessage", "成功");
        page.put("data", data);
        return MAPPER.writeValueAsString(page);
    }

    // ---------------------------------------------------------------- timing

    interface Op {
        Object run() throws Exception;
    }

    static volatile int sink;

    /** Median ns per call over 7 batches of about 0.4 s each, after 1.5 s of warm-up. */
    static double nsPerOp(Op op) throws Exception {
        System.gc(); // every case starts with JNA's table of live native blocks emptied
        Thread.sleep(100);
        long warmEnd = System.nanoTime() + 1_500_000_000L;
        long calls = 0;
        while (System.nanoTime() < warmEnd) {
            sink += op.run().hashCode();
            calls++;
        }
        long perBatch = Math.max(1, calls * 400 / 1500);
        double[] batches = new double[7];
        for (int b = 0; b < batches.length; b++) {
            long start = System.nanoTime();
            for (long i = 0; i < perBatch; i++) {
                sink += op.run().hashCode();
            }
            batches[b] = (System.nanoTime() - start) / (double) perBatch;
        }
        Arrays.sort(batches);
        return batches[batches.length / 2];
    }

    static double report(String label, Op op) throws Exception {
        double ns = nsPerOp(op);
        System.out.printf("  %-58s %12.0f ns%n", label, ns);
        return ns;
    }

    public static void main(String[] args) throws Exception {
        String vectors = System.getProperty("glorycard.vectors", "../../tests/vectors");
        final String spec = new String(Files.readAllBytes(new File(vectors, "spec-example.body.json").toPath()),
                StandardCharsets.UTF_8);
        final String page = rosterPage();
        final byte[] specBytes = spec.getBytes(StandardCharsets.UTF_8);
        final byte[] pageBytes = page.getBytes(StandardCharsets.UTF_8);
        final byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);

        System.out.println("java " + System.getProperty("java.version") + ", " + System.getProperty("os.arch")
                + ", " + Runtime.getRuntime().availableProcessors() + " cpus; library "
                + System.getProperty("uniffi.component.glorycard_jvm.libraryOverride", "(from the jar)")
                + "; JVM options " + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf("spec example: %d bytes; roster page: %d records, %d bytes%n", specBytes.length, 500,
                pageBytes.length);

        // They must agree before any figure means anything.
        check("spec example, native", SPEC_SIGN, Glorycard.sign(spec, KEY, TS));
        check("spec example, pure Java", SPEC_SIGN, pureJavaSign(spec, KEY, TS));
        check("roster page, pure Java = native", Glorycard.sign(page, KEY, TS), pureJavaSign(page, KEY, TS));
        int agree = 0;
        int valid = 0;
        for (JsonNode v : new ObjectMapper().readTree(new File(vectors, "signing.json")).get("vectors")) {
            if (v.get("expect").has("sign") && v.has("body")) {
                valid++;
                try {
                    if (v.get("expect").get("sign").asText().equals(
                            pureJavaSign(v.get("body").asText(), v.get("key").asText(), v.get("timestamp").asText()))) {
                        agree++;
                    }
                } catch (Exception e) {
                    // counted as a disagreement
                }
            }
        }
        System.out.printf("agreement: both give the documented spec sign and the same page sign; "
                + "the pure-Java signer matches %d of %d valid text vectors%n%n", agree, valid);

        System.out.println("spec example (" + specBytes.length + " bytes)");
        double specNative = report("native  Glorycard.sign(String, key, ts)", () -> Glorycard.sign(spec, KEY, TS));
        double specNativeBytes = report("native  Glorycard.sign(byte[], key, ts)", () -> Glorycard.sign(specBytes, KEY, TS));
        double specJava = report("pure Java (Jackson tree, TreeMap, MD5, HmacSHA256)", () -> pureJavaSign(spec, KEY, TS));
        System.out.println("page of 500 records (" + pageBytes.length + " bytes)");
        double pageNative = report("native  Glorycard.sign(String, key, ts)", () -> Glorycard.sign(page, KEY, TS));
        double pageNativeBytes = report("native  Glorycard.sign(byte[], key, ts)", () -> Glorycard.sign(pageBytes, KEY, TS));
        double pageJava = report("pure Java (Jackson tree, TreeMap, MD5, HmacSHA256)", () -> pureJavaSign(page, KEY, TS));

        System.out.println("where the native call's time goes");
        final org.glorycard.Signer signer = new org.glorycard.Signer("sid", KEY);
        report("native  Signer.signAt(byte[] spec, ts) (key held natively)", () -> signer.signAt(specBytes, TS));
        final org.glorycard.Verifier verifier = org.glorycard.Verifier.builder().key("sid", KEY)
                .clock(new org.glorycard.ManualClock(Glorycard.unixSecondsOf(TS))).build();
        final Map<String, String> specHeaders = signer.signAt(specBytes, TS);
        report("native  Verifier.verifyHeaders(Map, byte[] spec) (no replay cache)", () -> verifier.verifyHeaders(specHeaders, specBytes));
        double trivialJni = report("native  JNI trivial call (NativeJni.calls(), no work)", () -> org.glorycard.NativeJni.calls());
        double trivialJna = report("native  Glorycard.maskCertName(\"x\") (one JNA call, strings)", () -> Glorycard.maskCertName("x"));
        report("native  Glorycard.sign(\"{}\" bytes) (call + HMAC floor)", () -> Glorycard.sign(empty, KEY, TS));
        report("native  Glorycard.canonicalize(page bytes) (STRINGA back)", () -> Glorycard.canonicalize(pageBytes));
        report("String.getBytes(UTF_8) of the page", () -> page.getBytes(StandardCharsets.UTF_8));
        report("pure Java: Jackson readTree of the page alone", () -> MAPPER.readTree(page));

        System.out.printf("  JNA Memory blocks allocated per call: maskCertName %.1f, sign %.1f, Signer.signAt %.1f%n",
                blocksPerCall(() -> Glorycard.maskCertName("x")), blocksPerCall(() -> Glorycard.sign(specBytes, KEY, TS)),
                blocksPerCall(() -> signer.signAt(specBytes, TS)));

        System.out.println();
        System.out.printf("hot calls through JNI: %s; trivial call: JNI %.2f us, uniffi/JNA %.2f us%n",
                org.glorycard.NativeJni.available, trivialJni / 1000, trivialJna / 1000);
        System.out.printf("spec example: JVM sign(byte[]) %.2f us, sign(String) %.2f us (compare with the core's own, glorycard bench)%n",
                specNativeBytes / 1000, specNative / 1000);
        System.out.printf("spec example: pure Java / native = %.2fx (String), %.2fx (byte[])%n",
                specJava / specNative, specJava / specNativeBytes);
        System.out.printf("roster page:  pure Java / native = %.2fx (String), %.2fx (byte[])%n",
                pageJava / pageNative, pageJava / pageNativeBytes);
    }

    /**
     * JNA tracks every native block it allocates (Structure by value, call status) in one
     * global map until the garbage collector and its cleaner free it; count them per call.
     */
    static double blocksPerCall(Op op) throws Exception {
        java.lang.reflect.Field field = com.sun.jna.Memory.class.getDeclaredField("allocatedMemory");
        field.setAccessible(true);
        Map<?, ?> tracked = (Map<?, ?>) field.get(null);
        double best = Double.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            System.gc();
            Thread.sleep(200);
            int before = tracked.size();
            for (int i = 0; i < 200; i++) {
                sink += op.run().hashCode();
            }
            best = Math.min(best, (tracked.size() - before) / 200.0);
        }
        return best;
    }

    static void check(String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
        }
    }
}
