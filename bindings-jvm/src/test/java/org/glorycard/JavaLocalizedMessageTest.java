package org.glorycard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * getMessage() stays English; getLocalizedMessage() follows Locale.getDefault(), in the
 * words the native core, client and stores write beside each code; the code is the same
 * in both languages. Every path an error crosses: JNI (sign), uniffi (validate), the
 * client's configuration, a store.
 */
class JavaLocalizedMessageTest {
    private final Locale before = Locale.getDefault();

    @AfterEach
    void restoreLocale() {
        Locale.setDefault(before);
    }

    /** The exception in Chinese and in English: same code, same English message. */
    private static void sameCodeBothWays(GlorycardException e, String code, String english, String chinese) {
        Locale.setDefault(Locale.SIMPLIFIED_CHINESE);
        assertEquals(code, e.getCode());
        assertEquals(english, e.getMessage());
        assertEquals(chinese, e.getLocalizedMessage());
        assertTrue(e.toString().endsWith(": " + chinese), e.toString());
        Locale.setDefault(Locale.ENGLISH);
        assertEquals(code, e.getCode());
        assertEquals(english, e.getMessage());
        assertEquals(english, e.getLocalizedMessage());
    }

    @Test
    void aBrokenBodyOnTheJniPath() {
        for (Locale locale : new Locale[] {Locale.SIMPLIFIED_CHINESE, Locale.US}) {
            Locale.setDefault(locale);
            InvalidBodyException e = assertThrows(InvalidBodyException.class,
                    () -> Glorycard.sign("{\"a\":1,}", JavaApiTest.KEY, JavaApiTest.TS));
            sameCodeBothWays(e, "invalid_json",
                    "invalid JSON at byte 7: expected a string key",
                    "JSON 格式错误（第 7 字节）：此处应为字符串形式的键");
        }
    }

    @Test
    void aValidationErrorOnTheUniffiPath() {
        Locale.setDefault(Locale.SIMPLIFIED_CHINESE);
        Deduction tooMuch = new Deduction("106607", CertType.RESIDENT_ID, "11010519491231002X", "张小凡",
                "HIS-0001", "10.00", "10.50", "2024-02-29 23:59:59", GloryType.GLORY_CARD,
                DeductionType.OUTPATIENT_CONSULTATION, null);
        ValidationException e = assertThrows(ValidationException.class, () -> Models.validate(tooMuch));
        assertEquals("deductionFee", e.getField());
        sameCodeBothWays(e, "invalid_field",
                "invalid field deductionFee: must not exceed totalFee",
                "字段 deductionFee 无效：不能超过 totalFee");
        assertFalse(e.getLocalizedMessage().contains("11010519491231002X"));
        assertFalse(e.getLocalizedMessage().contains("张小凡"));
    }

    @Test
    void aClientAndAStoreErrorCarryTheirChinese(@TempDir Path dir) throws Exception {
        ConfigException config = assertThrows(ConfigException.class,
                () -> GlorycardClient.builder("not a url").sid("s").key(new SecretKey("k")).orgCode("1").build());
        Locale.setDefault(Locale.SIMPLIFIED_CHINESE);
        assertEquals("config", config.getCode());
        assertTrue(config.getMessage().startsWith("invalid configuration: "), config.getMessage());
        assertTrue(config.getLocalizedMessage().startsWith("配置无效："), config.getLocalizedMessage());

        Path notADatabase = dir.resolve("outbox.db");
        Files.write(notADatabase, "not a database".getBytes(StandardCharsets.UTF_8));
        StorageException storage = assertThrows(StorageException.class, () -> Outbox.open(notADatabase));
        assertEquals("storage", storage.getCode());
        assertTrue(storage.getMessage().startsWith("storage: "), storage.getMessage());
        assertTrue(storage.getLocalizedMessage().startsWith("存储错误："), storage.getLocalizedMessage());
        Locale.setDefault(Locale.ENGLISH);
        assertEquals(storage.getMessage(), storage.getLocalizedMessage());
    }
}
