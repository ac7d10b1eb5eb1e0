package org.glorycard

import org.glorycard.ffi.LogLevel
import org.glorycard.ffi.LogListener
import org.glorycard.ffi.forwardLogs

/**
 * What the native layer logs (each platform call's path, attempt, outcome and latency; the
 * servers' refusals; never a key, a certNo or a certName) reaches SLF4J, when SLF4J is on
 * the class path, under `org.glorycard.<rust module>` (`org.glorycard.glorycard_client.client`).
 * Installed on first use of the client, the outbox, the replica or the handler; without
 * SLF4J nothing is forwarded.
 */
internal object NativeLogging {
    private val installed: Boolean by lazy {
        val slf4j = try {
            Class.forName("org.slf4j.LoggerFactory", false, NativeLogging::class.java.classLoader)
            true
        } catch (e: ClassNotFoundException) {
            false
        } catch (e: LinkageError) {
            false
        }
        slf4j && forwardLogs(Slf4jListener())
    }

    /** Forwards the native log to SLF4J from now on (once per process; idempotent). */
    fun install(): Boolean = installed
}

/** Loaded only once SLF4J is known to be present. Never throws back into the native layer. */
private class Slf4jListener : LogListener {
    override fun log(level: LogLevel, target: String, message: String) {
        try {
            val logger = org.slf4j.LoggerFactory.getLogger("org.glorycard." + target.replace("::", "."))
            when (level) {
                LogLevel.ERROR -> logger.error(message)
                LogLevel.WARN -> logger.warn(message)
                LogLevel.INFO -> logger.info(message)
                LogLevel.DEBUG -> logger.debug(message)
                LogLevel.TRACE -> logger.trace(message)
            }
        } catch (e: Throwable) {
            // A broken logging backend must not break a platform call.
        }
    }
}
