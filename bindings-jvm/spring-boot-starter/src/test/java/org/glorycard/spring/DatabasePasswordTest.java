package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.glorycard.Outbox;
import org.glorycard.Sandbox;
import org.glorycard.his.HisApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The outbox on PostgreSQL (GLORYCARD_TEST_DATABASE_URL: the test command starts a throwaway
 * server) with its password in {@code glorycard.outbox.password}, apart from the URL in
 * {@code glorycard.outbox.path}: the outbox opens, and Actuator's {@code configprops} and
 * {@code env} show the URL but mask the password and the key, on Spring Boot 2.7 (by the
 * keys' names) and 3 (with {@code show-values=always}, by the starter's sanitizing function).
 */
@SpringBootTest(classes = HisApplication.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK)
@AutoConfigureMockMvc
class DatabasePasswordTest {
    static final String SUFFIX = Long.toString(System.nanoTime());
    static final String ROLE = "gc_starter_" + SUFFIX;
    static final String DATABASE = "gc_starter_" + SUFFIX;
    // Characters a URL gives a meaning to, and one outside ASCII.
    static final String PASSWORD = "p@ss w:rd+/?&=%#\u00e9" + SUFFIX;
    static String server;
    static String url;

    @DynamicPropertySource
    static void glorycardProperties(DynamicPropertyRegistry registry) throws Exception {
        server = System.getenv("GLORYCARD_TEST_DATABASE_URL");
        assertTrue(server != null && !server.isEmpty(),
                "GLORYCARD_TEST_DATABASE_URL is not set: run bash tests/postgres.sh run bash bindings-jvm/test.sh");
        psql(server, "CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        psql(server, "CREATE DATABASE " + DATABASE + " OWNER " + ROLE);
        url = "postgres://" + ROLE + "@" + server.substring(server.indexOf('@') + 1, server.lastIndexOf('/')) + "/" + DATABASE;
        registry.add("glorycard.sid", () -> Sandbox.SID);
        registry.add("glorycard.key", () -> Sandbox.KEY);
        registry.add("glorycard.outbox.path", () -> url);
        registry.add("glorycard.outbox.password", () -> PASSWORD);
        registry.add("management.endpoints.web.exposure.include", () -> "health,configprops,env");
        registry.add("management.endpoint.health.show-details", () -> "always");
        // Spring Boot 3 masks every value unless told otherwise; 2.7 ignores these.
        registry.add("management.endpoint.configprops.show-values", () -> "always");
        registry.add("management.endpoint.env.show-values", () -> "always");
    }

    @AfterAll
    static void dropTheDatabase() throws Exception {
        if (server != null) {
            psql(server, "DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            psql(server, "DROP ROLE IF EXISTS " + ROLE);
        }
    }

    @Autowired MockMvc mvc;
    @Autowired Outbox outbox;

    @Test
    void theOutboxOpensWithThePasswordApartAndActuatorMasksIt() throws Exception {
        assertEquals(0, outbox.status().getPending());
        assertEquals("Outbox(" + url + ")", outbox.toString());

        String configprops = actuator("/actuator/configprops");
        assertTrue(configprops.contains(url), "the URL is shown (values are shown at all): " + configprops);
        assertFalse(configprops.contains(PASSWORD) || configprops.contains("w:rd"), configprops);
        assertFalse(configprops.contains(Sandbox.KEY), "the key is masked too");
        JsonNode glorycard = null;
        for (JsonNode bean : new ObjectMapper().readTree(configprops).path("contexts").path("application").path("beans")) {
            if ("glorycard".equals(bean.path("prefix").asText())) {
                glorycard = bean.path("properties");
            }
        }
        assertTrue(glorycard != null, configprops);
        assertEquals("******", glorycard.path("outbox").path("password").asText(), glorycard.toString());
        assertEquals("******", glorycard.path("key").asText(), glorycard.toString());

        String env = actuator("/actuator/env");
        assertTrue(env.contains(url), "the URL is shown: " + env);
        assertFalse(env.contains(PASSWORD) || env.contains("w:rd"), env);
        assertFalse(env.contains(Sandbox.KEY), env);

        JsonNode health = new ObjectMapper().readTree(actuator("/actuator/health")).path("components").path("glorycard");
        assertEquals("UP", health.path("status").asText(), health.toString());
        assertEquals(0, health.path("details").path("pending").asInt(-1), health.toString());
    }

    private String actuator(String path) throws Exception {
        return mvc.perform(get(path)).andReturn().getResponse().getContentAsString(StandardCharsets.UTF_8);
    }

    /** Runs psql against {@code url}; fails the test with psql's message on an error. */
    static void psql(String url, String sql) throws Exception {
        Process psql = new ProcessBuilder("psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql)
                .redirectErrorStream(true).start();
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        try (InputStream in = psql.getInputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                said.write(buffer, 0, n);
            }
        }
        assertEquals(0, psql.waitFor(), new String(said.toByteArray(), StandardCharsets.UTF_8));
    }
}
