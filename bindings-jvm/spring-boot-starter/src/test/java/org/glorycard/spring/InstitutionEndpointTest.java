package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.glorycard.Sandbox;
import org.glorycard.his.HisApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * {@code /deductCheck} switched on: a call that is neither secure (as Spring sees it) nor
 * from a loopback address is refused with 403 before it reaches the handler, echoing
 * nothing; HTTPS, a TLS proxy's {@code X-Forwarded-Proto: https} (forwarded headers on) and
 * loopback reach the handler, whose answer to these unsigned calls is the signed refusal.
 */
@SpringBootTest(classes = HisApplication.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK)
@AutoConfigureMockMvc
class InstitutionEndpointTest {
    private static final String ECHO = "<echo-me>";

    @DynamicPropertySource
    static void glorycardProperties(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("glorycard-endpoint");
        registry.add("glorycard.institution.enabled", () -> "true");
        registry.add("glorycard.sid", () -> Sandbox.SID);
        registry.add("glorycard.key", () -> Sandbox.KEY);
        registry.add("glorycard.org-code", () -> Sandbox.ORG_CODE);
        registry.add("glorycard.outbox.path", () -> dir.resolve("outbox.db").toString());
        registry.add("server.forward-headers-strategy", () -> "framework");
    }

    @Autowired MockMvc mvc;

    @Test
    void plainHttpFromAnotherMachineIsRefusedEchoingNothing() throws Exception {
        MockHttpServletResponse refused = call(deductCheck("203.0.113.7"));
        assertEquals(403, refused.getStatus());
        assertFalse(refused.getContentAsString().contains(ECHO), refused.getContentAsString());
        assertEquals(null, refused.getHeader("sign"), "a refusal of the transport is not an answer of the handler");
        refused = call(deductCheck("2001:db8::7"));
        assertEquals(403, refused.getStatus());
        refused = call(deductCheck("localhost.example"));
        assertEquals(403, refused.getStatus(), "a host name is not taken for loopback");
    }

    @Test
    void httpsReachesTheHandler() throws Exception {
        assertSignedRefusal(call(deductCheck("203.0.113.7").secure(true)));
    }

    @Test
    void aTlsProxysForwardedProtoReachesTheHandler() throws Exception {
        assertSignedRefusal(call(deductCheck("203.0.113.7").header("X-Forwarded-Proto", "https")));
    }

    @Test
    void loopbackReachesTheHandler() throws Exception {
        assertSignedRefusal(call(deductCheck("127.0.0.1")));
        assertSignedRefusal(call(deductCheck("127.10.20.30")));
        assertSignedRefusal(call(deductCheck("0:0:0:0:0:0:0:1")));
        assertSignedRefusal(call(deductCheck("::1")));
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn().getResponse();
    }

    private static MockHttpServletRequestBuilder deductCheck(String remoteAddress) {
        return post("/deductCheck")
                .contentType("application/json")
                .content(("{\"orgCode\":\"" + ECHO + "\"}").getBytes(StandardCharsets.UTF_8))
                .with(request -> {
                    request.setRemoteAddr(remoteAddress);
                    return request;
                });
    }

    private static void assertSignedRefusal(MockHttpServletResponse answer) throws Exception {
        String body = answer.getContentAsString(StandardCharsets.UTF_8);
        assertEquals(200, answer.getStatus(), body);
        assertEquals(Sandbox.SID, answer.getHeader("sid"));
        assertNotNull(answer.getHeader("sign"));
        assertTrue(body.contains("\"responseFlag\":\"0\""), body);
        assertFalse(body.contains(ECHO), body);
    }
}
