package org.glorycard.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.glorycard.CertType;
import org.glorycard.DeductCheckHandler;
import org.glorycard.DeductCheckRecord;
import org.glorycard.Deduction;
import org.glorycard.DeductionStatus;
import org.glorycard.DeductionType;
import org.glorycard.GloryType;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.SecretKey;
import org.glorycard.Signer;
import org.glorycard.durable.DrainReport;

/**
 * The Java client against a running sandbox (bench/client.sh starts it): deduct calls/s at
 * concurrency 16, blocking (16 threads) and asynchronous (16 in flight); outbox drain
 * items/s; DeductCheckHandler.handle for 1,000 records. Arguments: url, CA PEM file,
 * deductions per measurement.
 */
public final class ClientBench {
    static final String SID = "47258258201708031835123456";
    static final String KEY = "4fd6b8105f894d0da964b1e80b07b136";
    static final String ORG = "106607";

    static Deduction deduction(String id) {
        return new Deduction(ORG, CertType.RESIDENT_ID, "11010519491231002X", "王小凡", id, "30.00", "30.00",
                "2026-11-26 09:30:00", GloryType.GLORY_CARD, DeductionType.OUTPATIENT_CONSULTATION, null);
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String ca = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
        int count = Integer.parseInt(args[2]);
        String run = Long.toString(System.currentTimeMillis() % 100_000_000L);
        try (GlorycardClient client = GlorycardClient.builder(url).sid(SID).key(new SecretKey(KEY)).orgCode(ORG)
                .caCertificatePem(ca).noRetry().build()) {
            // Warm-up: JIT, connections, TLS sessions.
            blocking(client, "JW" + run, 400);
            double sequential = sequential(client, "JQ" + run, count / 4);
            double blocking = blocking(client, "JS" + run, count);
            double async = async(client, "JA" + run, count);
            System.out.printf("java deduct, blocking, 1 thread: %.0f calls/s%n", sequential);
            System.out.printf("java deduct, blocking, 16 threads: %.0f calls/s%n", blocking);
            System.out.printf("java deduct, async, 16 in flight: %.0f calls/s%n", async);
            System.out.printf("java outbox drain (concurrency 16): %.0f items/s%n", drain(client, "JO" + run, count));
        }
        handler();
    }

    static double sequential(GlorycardClient client, String prefix, int count) {
        long started = System.nanoTime();
        for (int n = 0; n < count; n++) {
            client.deduct(deduction(prefix + "-" + n));
        }
        return count / ((System.nanoTime() - started) / 1e9);
    }

    static double blocking(GlorycardClient client, String prefix, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> workers = new ArrayList<>();
            long started = System.nanoTime();
            for (int worker = 0; worker < 16; worker++) {
                final int w = worker;
                workers.add(pool.submit(() -> {
                    for (int n = 0; n < count / 16; n++) {
                        client.deduct(deduction(prefix + w + "-" + n));
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
            return (count / 16 * 16) / ((System.nanoTime() - started) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    static double async(GlorycardClient client, String prefix, int count) throws Exception {
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<?>> calls = new ArrayList<>(count);
        long started = System.nanoTime();
        for (int n = 0; n < count; n++) {
            inFlight.acquire();
            calls.add(client.deductAsync(deduction(prefix + "-" + n)).whenComplete((ack, error) -> inFlight.release()));
        }
        CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get();
        return count / ((System.nanoTime() - started) / 1e9);
    }

    static double drain(GlorycardClient client, String prefix, int count) throws Exception {
        Path dir = Files.createTempDirectory("glorycard-bench");
        try (Outbox outbox = Outbox.open(dir.resolve("outbox.db"))) {
            List<Object> items = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                items.add(deduction(prefix + "-" + n));
            }
            outbox.enqueueAll(items);
            long started = System.nanoTime();
            DrainReport report = outbox.drain(client, 16, Duration.ofSeconds(60));
            double seconds = (System.nanoTime() - started) / 1e9;
            if (report.getAcknowledged() != count) {
                throw new IllegalStateException("drain: " + report);
            }
            // The drain waits for the next wall-clock second before its first call (see Outbox).
            return count / seconds;
        } finally {
            for (java.io.File file : dir.toFile().listFiles()) {
                file.delete();
            }
            dir.toFile().delete();
        }
    }

    static void handler() {
        List<DeductCheckRecord> records = new ArrayList<>(1000);
        for (int n = 0; n < 1000; n++) {
            records.add(new DeductCheckRecord(deduction("H-" + n), DeductionStatus.DEDUCTED, null));
        }
        List<DeductCheckRecord> answer = Collections.unmodifiableList(records);
        SecretKey key = new SecretKey(KEY);
        try (DeductCheckHandler handler = DeductCheckHandler.builder(SID, key).orgCode(ORG).replayCapacity(0)
                .source((org, start, end) -> answer).build()) {
            Signer signer = new Signer(SID, key);
            String body = "{\"orgCode\":\"106607\",\"deductTimeStart\":\"2026-11-01 00:00:00\",\"deductionTimeEnd\":\"2026-11-30 23:59:59\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new java.util.HashMap<>();
            for (Map.Entry<String, String> h : signer.sign(body).entrySet()) {
                headers.put(h.getKey(), Collections.singletonList(h.getValue()));
            }
            int size = 0;
            for (int n = 0; n < 200; n++) {
                size = handler.handle(headers, bytes).getBody().length;
            }
            long[] samples = new long[500];
            for (int n = 0; n < samples.length; n++) {
                long started = System.nanoTime();
                handler.handle(headers, bytes);
                samples[n] = System.nanoTime() - started;
            }
            Arrays.sort(samples);
            System.out.printf("java DeductCheckHandler.handle, 1,000 records (%,d-byte answer): median %.0f µs, p90 %.0f µs%n",
                    size, samples[samples.length / 2] / 1e3, samples[samples.length * 9 / 10] / 1e3);
        }
    }
}
