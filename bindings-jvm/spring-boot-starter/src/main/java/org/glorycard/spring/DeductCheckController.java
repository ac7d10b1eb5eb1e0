package org.glorycard.spring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.glorycard.DeductCheckHandler;
import org.glorycard.ffi.SignedResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.NativeWebRequest;

/**
 * The platform's {@code POST /deductCheck} (path {@code glorycard.deduct-check.path}) over the
 * {@link DeductCheckHandler}: the body is read up to {@code glorycard.deduct-check.max-body-bytes}
 * (413 beyond) and the handler's signed answer is written byte for byte. A call that is
 * neither secure (as Spring sees it: HTTPS, or a TLS-terminating proxy's
 * {@code X-Forwarded-Proto: https} with forwarded headers on) nor from a loopback address is
 * refused with 403 before its body is read: the answer lists deductions with ID numbers and
 * names. Only Spring MVC types (and {@link RequestOrigin}), so the one class serves Spring
 * Boot 2 (javax.servlet) and 3 (jakarta.servlet).
 */
@RestController
public class DeductCheckController {
    private static final Log log = LogFactory.getLog(DeductCheckController.class);
    private static final byte[] HTTPS_REQUIRED =
            "glorycard: /deductCheck is served over HTTPS only\n".getBytes(StandardCharsets.UTF_8);

    private final DeductCheckHandler handler;
    private final int maxBodyBytes;

    public DeductCheckController(DeductCheckHandler handler, int maxBodyBytes) {
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    @RequestMapping(path = "${glorycard.deduct-check.path:/deductCheck}", method = RequestMethod.POST)
    public ResponseEntity<byte[]> deductCheck(@RequestHeader HttpHeaders headers, InputStream body, NativeWebRequest request)
            throws IOException {
        String peer = RequestOrigin.remoteAddress(request);
        if (!request.isSecure() && !RequestOrigin.isLoopback(peer)) {
            // Nothing of the call is echoed or logged but where it came from.
            log.warn("glorycard: refused a /deductCheck call over plain HTTP from " + peer
                    + " (serve it over HTTPS, or behind a TLS proxy with server.forward-headers-strategy set)");
            // The status as an int: ResponseEntity.status(HttpStatus) is not in Spring 6 (Spring Boot 3).
            return ResponseEntity.status(HttpStatus.FORBIDDEN.value()).contentType(MediaType.TEXT_PLAIN).body(HTTPS_REQUIRED.clone());
        }
        Map<String, java.util.List<String>> received = headers;
        SignedResponse answer = handler.handle(received, body, headers.getContentLength(), peer, maxBodyBytes);
        HttpHeaders out = new HttpHeaders();
        for (Map.Entry<String, String> header : answer.getHeaders().entrySet()) {
            out.set(header.getKey(), header.getValue());
        }
        return ResponseEntity.status(answer.getStatus()).headers(out).body(answer.getBody());
    }
}
