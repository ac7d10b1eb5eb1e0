package org.glorycard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/**
 * Model times in China Standard Time (UTC+8) whatever the JVM's zone. Surefire runs this
 * class twice (pom.xml), with {@code -Duser.timezone=UTC} and
 * {@code -Duser.timezone=America/New_York}, and names the zone in
 * {@code glorycard.expect.zone}; compiled with {@code --release 8}.
 */
class JavaChinaTimeTest {
    static final DateTimeFormatter MODEL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final String SPEC_TIME = "2021-04-07 15:52:06";

    /** The UTC+8 wall clock, computed without the binding and without the JVM's zone. */
    static String chinaWallClock() {
        return Instant.now().atOffset(ZoneOffset.ofHours(8)).format(MODEL_TIME);
    }

    @Test
    void theJvmRunsInTheZoneThisRunIsFor() {
        String expected = System.getProperty("glorycard.expect.zone");
        assertNotNull(expected, "run by the pom's executions, which set -Duser.timezone and glorycard.expect.zone");
        assertEquals(expected, TimeZone.getDefault().getID());
        assertEquals(ZoneId.of(expected), ZoneId.systemDefault());
    }

    @Test
    @SuppressWarnings("deprecation")
    void everyHelperIsTheChinaWallClockWhateverTheJvmZone() {
        String before = chinaWallClock();
        Map<String, String> results = new LinkedHashMap<>();
        results.put("chinaTimeNow()", Glorycard.chinaTimeNow());
        results.put("chinaTime(Instant)", Glorycard.chinaTime(Instant.now()));
        results.put("chinaTime(ZonedDateTime)", Glorycard.chinaTime(ZonedDateTime.now()));
        results.put("chinaTime(OffsetDateTime)", Glorycard.chinaTime(OffsetDateTime.now()));
        // The trap itself, said right: the JVM's local wall clock with its zone named.
        results.put("chinaTime(LocalDateTime, ZoneId)", Glorycard.chinaTime(LocalDateTime.now(), ZoneId.systemDefault()));
        String after = chinaWallClock();
        List<String> allowed = Arrays.asList(before, after);
        for (Map.Entry<String, String> result : results.entrySet()) {
            assertTrue(allowed.contains(result.getValue()),
                result.getKey() + " in " + ZoneId.systemDefault() + ": " + result.getValue() + ", China wall clock " + allowed);
        }
    }

    @Test
    void fixedInstants() {
        // Derived by hand and checked with Python's datetime: the epoch is 08:00 in China;
        // 1617781926 is the spec example's 2021-04-07 07:52:06 UTC, 03:52:06 in New York (EDT).
        assertEquals("1970-01-01 08:00:00", Glorycard.chinaTime(Instant.ofEpochSecond(0)));
        assertEquals(SPEC_TIME, Glorycard.chinaTime(Instant.ofEpochSecond(1617781926L)));
        assertEquals(SPEC_TIME, Glorycard.chinaTime(ZonedDateTime.of(2021, 4, 7, 3, 52, 6, 0, NEW_YORK)));
        assertEquals(SPEC_TIME, Glorycard.chinaTime(OffsetDateTime.of(2021, 4, 7, 2, 22, 6, 0, ZoneOffset.ofHoursMinutes(-5, -30))));
        assertEquals(SPEC_TIME, Glorycard.chinaTime(LocalDateTime.of(2021, 4, 7, 3, 52, 6), NEW_YORK));
        assertEquals(SPEC_TIME, Glorycard.chinaTime(LocalDateTime.of(2021, 4, 7, 15, 52, 6), ZoneId.of("Asia/Shanghai")));
        // January in New York is EST (UTC-5): midnight there is 13:00 in China.
        assertEquals("2021-01-01 13:00:00", Glorycard.chinaTime(LocalDateTime.of(2021, 1, 1, 0, 0), NEW_YORK));
        // Fractions of a second are dropped (floored), before the epoch too.
        assertEquals(SPEC_TIME, Glorycard.chinaTime(Instant.ofEpochSecond(1617781926L, 999_999_999)));
        assertEquals("1970-01-01 07:59:59", Glorycard.chinaTime(Instant.ofEpochSecond(-1, 500_000_000)));
    }

    @Test
    void anInstantOutsideYears1To9999IsRefused() {
        GlorycardException e = assertThrows(GlorycardException.class, () -> Glorycard.chinaTime(Instant.MAX));
        assertEquals("invalid_timestamp", e.getCode());
    }

    @Test
    @SuppressWarnings("deprecation")
    void aLocalDateTimeWithoutItsZoneIsRefusedNamingTheHelpers() {
        ValidationException e = assertThrows(ValidationException.class, () -> Glorycard.chinaTime(LocalDateTime.now()));
        assertEquals("invalid_field", e.getCode());
        assertEquals("dateTime", e.getField());
        String message = e.getMessage();
        assertTrue(message.contains("a time without a zone is refused"), message);
        assertTrue(message.contains("Glorycard.chinaTimeNow()"), message);
        assertTrue(message.contains("Glorycard.chinaTime(LocalDateTime, ZoneId.of(\"Asia/Shanghai\"))"), message);
        // The core's refusal in Chinese too, the helpers (code) as they are.
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.SIMPLIFIED_CHINESE);
            String chinese = e.getLocalizedMessage();
            assertTrue(chinese.startsWith("字段 dateTime 无效：不接受没有时区的时间"), chinese);
            assertTrue(chinese.contains("Glorycard.chinaTimeNow()"), chinese);
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
