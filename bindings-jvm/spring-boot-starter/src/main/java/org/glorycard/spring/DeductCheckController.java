package org.glorycard.spring;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.glorycard.DeductCheckHandler;
import org.glorycard.ffi.SignedResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * The platform's {@code POST /deductCheck} (path {@code glorycard.deduct-check.path}) over the
 * {@link DeductCheckHandler}: the body is read up to {@code glorycard.deduct-check.max-body-bytes}
 * (413 beyond) and the handler's signed answer is written byte for byte. Only Spring MVC
 * types, so the one class serves Spring Boot 2 (javax.servlet) and 3 (jakarta.servlet).
 */
@RestController
public class DeductCheckController {
    private final DeductCheckHandler handler;
    private final int maxBodyBytes;

    public DeductCheckController(DeductCheckHandler handler, int maxBodyBytes) {
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    @RequestMapping(path = "${glorycard.deduct-check.path:/deductCheck}", method = RequestMethod.POST)
    public ResponseEntity<byte[]> deductCheck(@RequestHeader HttpHeaders headers, InputStream body) throws IOException {
        Map<String, java.util.List<String>> received = headers;
        SignedResponse answer = handler.handle(received, body, headers.getContentLength(), null, maxBodyBytes);
        HttpHeaders out = new HttpHeaders();
        for (Map.Entry<String, String> header : answer.getHeaders().entrySet()) {
            out.set(header.getKey(), header.getValue());
        }
        return ResponseEntity.status(answer.getStatus()).headers(out).body(answer.getBody());
    }
}
