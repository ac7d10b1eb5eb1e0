package org.glorycard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The project's sandbox platform ({@code glorycard sandbox}, the CLI binary named by the
 * system property {@code glorycard.cli}) on a free loopback port, over HTTPS with its own
 * certificate; stopped by {@link #close}. The starter's own copy of the SDK's test helper,
 * so that the starter builds against the published jar alone (no test-jar dependency).
 */
public final class Sandbox implements AutoCloseable {
    public static final String SID = "jvm-sandbox-sid";
    public static final String KEY = "jvm-sandbox-key-4fd6b8105f894d0d";
    public static final String ORG_CODE = "106607";
    public static final int HOLDERS = 1200;
    private static final Pattern LISTENING = Pattern.compile("listening on (https://\\S+)");

    private final Process process;
    /** The platform's base URL ({@code https://127.0.0.1:<port>}). */
    public final String url;
    /** The certificate clients must trust. */
    public final String caPem;
    private final Path dir;
    private final StringBuffer output;

    private Sandbox(Process process, String url, String caPem, Path dir, StringBuffer output) {
        this.process = process;
        this.url = url;
        this.caPem = caPem;
        this.dir = dir;
        this.output = output;
    }

    /** Starts a sandbox with {@link #HOLDERS} holders and {@code extraArgs} (faults, {@code --institution-url}). */
    public static Sandbox start(String... extraArgs) throws IOException {
        String cli = System.getProperty("glorycard.cli");
        if (cli == null) {
            throw new IllegalStateException("the system property glorycard.cli (the glorycard binary) is not set: run through bindings-jvm/test.sh or mvn");
        }
        if (!Files.isExecutable(Paths.get(cli))) {
            throw new IllegalStateException("glorycard.cli=" + cli + " is not an executable: build it with cargo build -p glorycard-cli");
        }
        Path dir = Files.createTempDirectory("glorycard-sandbox");
        Path pem = dir.resolve("sandbox.pem");
        List<String> command = new ArrayList<>(Arrays.asList(
                cli, "sandbox", "--listen", "127.0.0.1:0", "--sid", SID, "--org-code", ORG_CODE,
                "--holders", Integer.toString(HOLDERS), "--masked-every", "7", "--cert-out", pem.toString()));
        command.addAll(Arrays.asList(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("GLORYCARD_KEY", KEY);
        Process process = builder.start();
        StringBuffer output = new StringBuffer();
        CountDownLatch listening = new CountDownLatch(1);
        AtomicReference<String> url = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    Matcher match = LISTENING.matcher(line);
                    if (match.find() && url.compareAndSet(null, match.group(1))) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                output.append("reading the sandbox's output failed: ").append(e).append('\n');
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            if (!listening.await(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the sandbox did not start within 30 s:\n" + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the sandbox started", e);
        }
        return new Sandbox(process, url.get(), new String(Files.readAllBytes(pem), StandardCharsets.UTF_8), dir, output);
    }

    /** An SSL context trusting only {@code pem}. */
    public static SSLContext trusting(String pem) throws GeneralSecurityException, IOException {
        Certificate certificate = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("sandbox", certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A client builder for this sandbox (its certificate trusted, its account). */
    public GlorycardClient.Builder clientBuilder() {
        return GlorycardClient.builder(url).sid(SID).key(new SecretKey(KEY)).orgCode(ORG_CODE).caCertificatePem(caPem);
    }

    /** A client for this sandbox. */
    public GlorycardClient client() {
        return clientBuilder().build();
    }

    /** {@code GET} of an admin endpoint ({@code /admin/stats}, {@code /admin/reconcile}, ...), as JSON. */
    public JsonNode admin(String pathAndQuery) throws IOException, GeneralSecurityException {
        HttpsURLConnection connection = (HttpsURLConnection) new URL(url + pathAndQuery).openConnection();
        connection.setSSLSocketFactory(trusting(caPem).getSocketFactory());
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(60_000);
        int status = connection.getResponseCode();
        String text = read(status < 400 ? connection.getInputStream() : connection.getErrorStream());
        if (status != 200) {
            throw new IllegalStateException("GET " + pathAndQuery + ": HTTP " + status + ": " + text);
        }
        return new ObjectMapper().readTree(text);
    }

    /** What the sandbox printed so far. */
    public String output() {
        return output.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(InputStream in) throws IOException {
        try (InputStream stream = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        }
    }
}
