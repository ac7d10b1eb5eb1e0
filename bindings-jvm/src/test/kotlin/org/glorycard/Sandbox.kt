package org.glorycard

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import java.io.BufferedReader
import java.io.InputStreamReader
import java.net.URL
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import javax.net.ssl.HttpsURLConnection
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory

/**
 * The project's sandbox platform (`glorycard sandbox`, the CLI binary named by the system
 * property `glorycard.cli`) on a free loopback port, over HTTPS with its own certificate;
 * stopped by [close]. For the Kotlin and Java client tests.
 */
class Sandbox private constructor(
    private val process: Process,
    /** The platform's base URL (`https://127.0.0.1:<port>`). */
    @JvmField val url: String,
    /** The certificate clients must trust. */
    @JvmField val caPem: String,
    private val dir: Path,
    private val output: StringBuffer,
) : AutoCloseable {
    companion object {
        const val SID = "jvm-sandbox-sid"
        const val KEY = "jvm-sandbox-key-4fd6b8105f894d0d"
        const val ORG_CODE = "106607"
        const val HOLDERS = 1200

        /** Starts a sandbox with [HOLDERS] holders and [extraArgs] (faults, `--institution-url`). */
        @JvmStatic
        fun start(vararg extraArgs: String): Sandbox {
            val cli = System.getProperty("glorycard.cli")
                ?: error("the system property glorycard.cli (the glorycard binary) is not set: run through bindings-jvm/test.sh or mvn")
            check(Files.isExecutable(Paths.get(cli))) { "glorycard.cli=$cli is not an executable: build it with cargo build -p glorycard-cli" }
            val dir = Files.createTempDirectory("glorycard-sandbox")
            val pem = dir.resolve("sandbox.pem")
            val command = mutableListOf(
                cli, "sandbox", "--listen", "127.0.0.1:0", "--sid", SID, "--org-code", ORG_CODE,
                "--holders", HOLDERS.toString(), "--masked-every", "7", "--cert-out", pem.toString(),
            )
            command.addAll(extraArgs)
            val builder = ProcessBuilder(command).redirectErrorStream(true)
            builder.environment()["GLORYCARD_KEY"] = KEY
            val process = builder.start()
            val output = StringBuffer()
            val listening = CountDownLatch(1)
            var url: String? = null
            val reader = Thread {
                BufferedReader(InputStreamReader(process.inputStream, StandardCharsets.UTF_8)).useLines { lines ->
                    for (line in lines) {
                        output.append(line).append('\n')
                        val match = Regex("listening on (https://\\S+)").find(line)
                        if (match != null && url == null) {
                            url = match.groupValues[1]
                            listening.countDown()
                        }
                    }
                }
            }
            reader.isDaemon = true
            reader.start()
            if (!listening.await(30, TimeUnit.SECONDS)) {
                process.destroyForcibly()
                error("the sandbox did not start within 30 s:\n$output")
            }
            return Sandbox(process, url!!, String(Files.readAllBytes(pem), StandardCharsets.UTF_8), dir, output)
        }

        /** An SSL context trusting only [pem]. */
        @JvmStatic
        fun trusting(pem: String): SSLContext {
            val certificate = CertificateFactory.getInstance("X.509").generateCertificate(pem.byteInputStream())
            val store = KeyStore.getInstance(KeyStore.getDefaultType())
            store.load(null, null)
            store.setCertificateEntry("sandbox", certificate)
            val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
            trust.init(store)
            val context = SSLContext.getInstance("TLS")
            context.init(null, trust.trustManagers, null)
            return context
        }
    }

    /** A client builder for this sandbox (its certificate trusted, its account). */
    fun clientBuilder(): GlorycardClient.Builder =
        GlorycardClient.builder(url).sid(SID).key(SecretKey(KEY)).orgCode(ORG_CODE).caCertificatePem(caPem)

    /** A client for this sandbox. */
    fun client(): GlorycardClient = clientBuilder().build()

    /** `GET` of an admin endpoint (`/admin/stats`, `/admin/deductions?unmasked=true`, `/admin/reconcile`), as JSON. */
    fun admin(pathAndQuery: String): JsonNode {
        val connection = URL(url + pathAndQuery).openConnection() as HttpsURLConnection
        connection.sslSocketFactory = trusting(caPem).socketFactory
        connection.connectTimeout = 10_000
        connection.readTimeout = 60_000
        val status = connection.responseCode
        val stream = if (status < 400) connection.inputStream else connection.errorStream
        val text = stream.use { String(it.readBytes(), StandardCharsets.UTF_8) }
        check(status == 200) { "GET $pathAndQuery: HTTP $status: $text" }
        return ObjectMapper().readTree(text)
    }

    /** What the sandbox printed so far. */
    fun output(): String = output.toString()

    override fun close() {
        process.destroy()
        if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        dir.toFile().deleteRecursively()
    }
}
