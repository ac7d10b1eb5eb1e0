package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.glorycard.DeductCheckHandler;
import org.glorycard.Outbox;
import org.glorycard.Sandbox;
import org.glorycard.his.HisApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * A HIS that only calls the platform: {@code glorycard.sid} and the key are set (the client
 * needs them), {@code glorycard.institution.enabled} is not, so no {@code /deductCheck} is
 * served.
 */
@SpringBootTest(classes = HisApplication.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK)
@AutoConfigureMockMvc
class ClientOnlyTest {
    @DynamicPropertySource
    static void glorycardProperties(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("glorycard-client-only");
        registry.add("glorycard.sid", () -> Sandbox.SID);
        registry.add("glorycard.key", () -> Sandbox.KEY);
        registry.add("glorycard.org-code", () -> Sandbox.ORG_CODE);
        registry.add("glorycard.outbox.path", () -> dir.resolve("outbox.db").toString());
    }

    @Autowired ApplicationContext context;
    @Autowired MockMvc mvc;

    @Test
    void theEndpointIsOffByDefault() throws Exception {
        assertEquals(1, context.getBeanNamesForType(Outbox.class).length, "the rest of the starter is on");
        assertEquals(0, context.getBeanNamesForType(DeductCheckHandler.class).length);
        assertEquals(0, context.getBeanNamesForType(DeductCheckController.class).length);
        int status = mvc.perform(post("/deductCheck").contentType("application/json").content("{}")
                .with(request -> {
                    request.setRemoteAddr("127.0.0.1");
                    return request;
                })).andReturn().getResponse().getStatus();
        assertEquals(404, status);
        assertTrue(context.getBean(GlorycardProperties.class).getSid() != null);
    }
}
