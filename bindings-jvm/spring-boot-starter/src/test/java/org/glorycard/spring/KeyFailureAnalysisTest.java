package org.glorycard.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.glorycard.his.HisApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A missing, empty or unresolved {@code glorycard.key} stops the application at start-up
 * with Spring Boot's "APPLICATION FAILED TO START" report naming the property and how to set
 * it (the starter's failure analyzer, found through META-INF/spring.factories), instead of
 * an application that starts and fails every call with {@code signature_mismatch}.
 */
@ExtendWith(OutputCaptureExtension.class)
class KeyFailureAnalysisTest {
    /** An environment variable no test machine sets. */
    private static final String UNSET_VARIABLE = "GLORYCARD_TEST_KEY_NEVER_SET";

    @TempDir Path dir;

    /** Runs the HIS (no web server) with a client configured and {@code keyProperties}; the report it printed. */
    private static String failedStart(CapturedOutput output, String... keyProperties) {
        List<String> args = new ArrayList<>(Arrays.asList(
                "--glorycard.base-url=https://127.0.0.1:9",
                "--glorycard.sid=his-sid",
                "--glorycard.org-code=106607",
                "--spring.main.banner-mode=off"));
        for (String property : keyProperties) {
            args.add("--" + property);
        }
        SpringApplication application = new SpringApplication(HisApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThrows(RuntimeException.class, () -> application.run(args.toArray(new String[0])).close(), "the application started");
        String printed = output.getOut() + output.getErr();
        assertTrue(printed.contains("APPLICATION FAILED TO START"), printed);
        return printed.substring(printed.lastIndexOf("APPLICATION FAILED TO START"));
    }

    private static void assertNamesTheKeyAndHowToSetIt(String report) {
        int description = report.indexOf("Description:");
        int action = report.indexOf("Action:");
        assertTrue(description >= 0 && action > description, report);
        assertTrue(report.substring(description, action).contains("glorycard.key"), report);
        String toDo = report.substring(action);
        assertTrue(toDo.contains("GLORYCARD_KEY"), report);
        assertTrue(toDo.contains("glorycard.key-file"), report);
    }

    @Test
    void anUnresolvedPlaceholderIsNamedWithItsVariable(CapturedOutput output) {
        assertNull(System.getenv(UNSET_VARIABLE));
        String report = failedStart(output, "glorycard.key=${" + UNSET_VARIABLE + "}");
        assertNamesTheKeyAndHowToSetIt(report);
        assertTrue(report.contains("placeholder"), report);
        assertTrue(report.contains(UNSET_VARIABLE), report);
    }

    @Test
    void anEmptyKeyIsNamed(CapturedOutput output) {
        String report = failedStart(output, "glorycard.key=");
        assertNamesTheKeyAndHowToSetIt(report);
        assertTrue(report.contains("empty"), report);
    }

    @Test
    void aMissingKeyIsNamed(CapturedOutput output) {
        String report = failedStart(output);
        assertNamesTheKeyAndHowToSetIt(report);
        assertTrue(report.contains("not set"), report);
    }

    @Test
    void anEmptyKeyFileIsNamedWithoutShowingAnything(CapturedOutput output) throws IOException {
        Path empty = Files.write(dir.resolve("key"), "\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String report = failedStart(output, "glorycard.key-file=" + empty);
        assertNamesTheKeyAndHowToSetIt(report);
        assertTrue(report.contains("glorycard.key-file") && report.contains("empty"), report);
    }

    @Test
    void aKeyWithSurroundingWhitespaceIsRefusedWithoutShowingIt(CapturedOutput output) {
        String report = failedStart(output, "glorycard.key=Secr3t-key-4fd6b8105f894d0d ");
        assertNamesTheKeyAndHowToSetIt(report);
        assertFalse(output.getAll().contains("Secr3t"), report);
    }
}
