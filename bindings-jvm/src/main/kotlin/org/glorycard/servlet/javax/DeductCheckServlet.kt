package org.glorycard.servlet.javax

import javax.servlet.http.HttpServlet
import javax.servlet.http.HttpServletRequest
import javax.servlet.http.HttpServletResponse
import org.glorycard.DeductCheckHandler
import org.glorycard.headerMapOf

/**
 * The platform's `POST /deductCheck` as a `javax.servlet` servlet over a
 * [DeductCheckHandler]: reads at most [maxBodyBytes] of body (413 beyond), and writes the
 * handler's signed answer as it is. The container's own limits (header size, timeouts, connections)
 * apply before it.
 *
 * ```java
 * context.addServlet(new ServletHolder(new DeductCheckServlet(handler)), "/deductCheck");
 * ```
 */
class DeductCheckServlet @JvmOverloads constructor(
    @Transient private val handler: DeductCheckHandler,
    private val maxBodyBytes: Int = DeductCheckHandler.DEFAULT_MAX_BODY_BYTES,
) : HttpServlet() {
    override fun doPost(request: HttpServletRequest, response: HttpServletResponse) {
        val headers = headerMapOf(request.headerNames) { request.getHeaders(it) }
        val answer = handler.handle(headers, request.inputStream, request.contentLengthLong, request.remoteAddr, maxBodyBytes)
        response.status = answer.status
        for ((name, value) in answer.headers) response.setHeader(name, value)
        response.setContentLength(answer.body.size)
        response.outputStream.write(answer.body)
    }

    private companion object {
        private const val serialVersionUID = 1L
    }
}
