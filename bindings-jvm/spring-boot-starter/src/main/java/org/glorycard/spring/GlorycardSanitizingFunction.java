package org.glorycard.spring;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks the secret {@code glorycard.*} properties wherever Actuator shows properties:
 * {@code glorycard.key}, {@code glorycard.outbox.password}, {@code glorycard.replica.password},
 * in any spelling Spring Boot binds ({@code GLORYCARD_OUTBOX_PASSWORD}, {@code glorycard.outbox.Password}).
 */
class GlorycardSanitizingFunction implements SanitizingFunction {
    private static final Set<String> SECRET_KEYS = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
            "glorycard.key", "glorycard.outbox.password", "glorycard.replica.password")));

    @Override
    public SanitizableData apply(SanitizableData data) {
        String key = data.getKey();
        if (key != null && data.getValue() != null && SECRET_KEYS.contains(canonical(key))) {
            return data.withValue(SanitizableData.SANITIZED_VALUE);
        }
        return data;
    }

    /** The key as relaxed binding reads it: lower case, '_' as '.', no '-'. */
    private static String canonical(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '.').replace("-", "");
    }
}
