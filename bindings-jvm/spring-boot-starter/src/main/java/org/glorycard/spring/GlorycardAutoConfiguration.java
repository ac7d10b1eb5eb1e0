package org.glorycard.spring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.glorycard.DatabaseLocation;
import org.glorycard.DeductCheckHandler;
import org.glorycard.DeductionSource;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.Replica;
import org.glorycard.SecretKey;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Creates, from the {@code glorycard.*} properties: the {@link GlorycardClient} (with
 * {@code glorycard.base-url}), the {@link Outbox} (with {@code glorycard.outbox.path}), the
 * {@link Replica} (with {@code glorycard.replica.path}), the scheduled drain and sync (with
 * their intervals), the {@code /deductCheck} controller answering from the application's
 * {@link DeductionSource} bean or else the outbox (only with
 * {@code glorycard.institution.enabled=true}), and, when Actuator is present, a health
 * indicator and the masking of the key and database passwords in {@code /actuator/env} and
 * {@code /actuator/configprops}. Every bean backs off when the application defines its own.
 *
 * <p>Compiled against Spring Boot 2.7 as Java 8 bytecode; the same jar runs on Spring Boot 3.
 */
@AutoConfiguration
@ConditionalOnClass(GlorycardClient.class)
@EnableConfigurationProperties(GlorycardProperties.class)
public class GlorycardAutoConfiguration {
    /** The name in a {@code ${NAME}} or {@code ${NAME:default}} placeholder. */
    private static final Pattern PLACEHOLDER_NAME = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]{1,100})[}:]");

    /**
     * Refuses {@code glorycard.deduct-check.enabled=true}, the switch of earlier versions
     * (whose default was on): the endpoint is opt-in now, and an application that asked
     * for it must not start without it silently.
     */
    public GlorycardAutoConfiguration(Environment environment) {
        boolean askedTheOldWay = Binder.get(environment).bind("glorycard.deduct-check.enabled", Boolean.class).orElse(false);
        boolean enabled = Binder.get(environment).bind("glorycard.institution.enabled", Boolean.class).orElse(false);
        if (askedTheOldWay && !enabled) {
            throw new IllegalStateException("glorycard: glorycard.deduct-check.enabled is replaced by"
                    + " glorycard.institution.enabled (off by default): set glorycard.institution.enabled=true to serve /deductCheck");
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "glorycard", name = "base-url")
    public GlorycardClient glorycardClient(GlorycardProperties properties) {
        GlorycardClient.Builder builder = GlorycardClient.builder(properties.getBaseUrl())
                .allowHttp(properties.isAllowHttp())
                .acceptUnsignedResponses(properties.isAcceptUnsignedResponses());
        if (properties.getSid() != null) {
            builder.sid(properties.getSid());
        }
        builder.key(secretKey(properties, "the platform client (glorycard.base-url is set) signs every call with it"));
        if (properties.getOrgCode() != null) {
            builder.orgCode(properties.getOrgCode());
        }
        if (properties.getCaCertificate() != null) {
            builder.caCertificatePem(readText(properties.getCaCertificate(), "glorycard.ca-certificate"));
        }
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "glorycard.outbox", name = "path")
    public Outbox glorycardOutbox(GlorycardProperties properties) {
        GlorycardProperties.Outbox outbox = properties.getOutbox();
        return Outbox.open(location(outbox.getPath(), "glorycard.outbox"), password(outbox.getPassword()));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "glorycard.replica", name = "path")
    public Replica glorycardReplica(GlorycardProperties properties) {
        GlorycardProperties.Replica replica = properties.getReplica();
        return Replica.open(location(replica.getPath(), "glorycard.replica"), password(replica.getPassword()));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public GlorycardScheduler glorycardScheduler(
            GlorycardProperties properties,
            ObjectProvider<GlorycardClient> client,
            ObjectProvider<Outbox> outbox,
            ObjectProvider<Replica> replica) {
        return new GlorycardScheduler(properties, client.getIfAvailable(), outbox.getIfAvailable(), replica.getIfAvailable());
    }

    /**
     * The {@code /deductCheck} handler and its controller, in a servlet web application that
     * opted in: a HIS that only calls the platform needs {@code glorycard.sid} and must not
     * serve the institution's endpoint because of it.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnProperty(prefix = "glorycard.institution", name = "enabled", havingValue = "true")
    static class DeductCheckConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        public DeductCheckHandler glorycardDeductCheckHandler(
                GlorycardProperties properties, ObjectProvider<DeductionSource> source, ObjectProvider<Outbox> outbox) {
            if (properties.getSid() == null || properties.getSid().isEmpty()) {
                throw new IllegalStateException("glorycard: glorycard.institution.enabled needs glorycard.sid (the account the platform calls with)");
            }
            SecretKey key = secretKey(properties, "the /deductCheck endpoint (glorycard.institution.enabled=true) verifies"
                    + " the platform's calls and signs its answers with it");
            int replayCapacity = properties.getDeductCheck().getReplayCapacity();
            if (replayCapacity < 1) {
                // The handler would take 0 as "no replay check": a replayed call would be answered.
                throw new IllegalStateException("glorycard: glorycard.deduct-check.replay-capacity must be at least 1, not "
                        + replayCapacity + " (it is how many signed calls are remembered to refuse a replay)");
            }
            DeductCheckHandler.Builder builder = DeductCheckHandler.builder(properties.getSid(), key)
                    .orgCode(properties.getOrgCode() == null ? "" : properties.getOrgCode())
                    .replayCapacity(replayCapacity);
            DeductionSource ledger = source.getIfAvailable();
            Outbox queue = outbox.getIfAvailable();
            if (ledger != null) {
                builder.source(ledger);
            } else if (queue != null) {
                builder.outbox(queue);
            } else {
                throw new IllegalStateException("glorycard: /deductCheck answers from a DeductionSource bean or the outbox:"
                        + " define one, set glorycard.outbox.path, or leave glorycard.institution.enabled unset");
            }
            return builder.build();
        }

        @Bean
        @ConditionalOnMissingBean
        public DeductCheckController glorycardDeductCheckController(DeductCheckHandler handler, GlorycardProperties properties) {
            return new DeductCheckController(handler, properties.getDeductCheck().getMaxBodyBytes());
        }
    }

    /** The health indicator, when Actuator is on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "glorycardHealthIndicator")
        public GlorycardHealthIndicator glorycardHealthIndicator(GlorycardScheduler scheduler, ObjectProvider<Outbox> outbox) {
            return new GlorycardHealthIndicator(scheduler, outbox.getIfAvailable());
        }
    }

    /**
     * Masks {@code glorycard.key} and the database passwords in {@code /actuator/env} and
     * {@code /actuator/configprops} (Spring Boot 2.7 masks them by their names already;
     * Spring Boot 3 shows every value once {@code show-values} allows, unless a function
     * like this one masks it).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(SanitizingFunction.class)
    static class SanitizingConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "glorycardSanitizingFunction")
        public SanitizingFunction glorycardSanitizingFunction() {
            return new GlorycardSanitizingFunction();
        }
    }

    /** The path of {@code prefix}.path, refused when it holds a password (then shown wherever the path is). */
    static String location(String path, String prefix) {
        if (DatabaseLocation.holdsPassword(path)) {
            throw new IllegalStateException("glorycard: " + prefix + ".path holds a database password: remove it from the URL"
                    + " and set " + prefix + ".password (Spring Boot masks that property; a URL is shown as it is)");
        }
        return path;
    }

    /** The password property, null when unset or empty (PGPASSWORD then applies). */
    static String password(String password) {
        return password == null || password.isEmpty() ? null : password;
    }

    /**
     * {@code glorycard.key}, or the text of {@code glorycard.key-file} without one trailing
     * newline; refused with a {@link GlorycardKeyException} when neither is set (for
     * {@code neededBy}, what signs with it), when both are, or when the key is empty, padded
     * with whitespace or an unresolved {@code ${…}} placeholder: each would start an
     * application whose every call the platform refuses.
     */
    static SecretKey secretKey(GlorycardProperties properties, String neededBy) {
        String key = properties.getKey();
        String keyFile = properties.getKeyFile();
        if (key != null && keyFile != null) {
            throw new GlorycardKeyException("glorycard.key and glorycard.key-file are both set: the starter does not guess"
                    + " which one holds the key the platform issued.");
        }
        if (key != null) {
            return new SecretKey(checkedKey(key, "glorycard.key"));
        }
        if (keyFile != null) {
            String placeholder = unresolvedPlaceholder(keyFile);
            if (placeholder != null) {
                throw new GlorycardKeyException("glorycard.key-file is still the placeholder " + placeholder
                        + ": no property or environment variable of that name is set, so Spring Boot left the text as it is.");
            }
            String text = readText(keyFile, "glorycard.key-file");
            if (text.endsWith("\r\n")) {
                text = text.substring(0, text.length() - 2);
            } else if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            return new SecretKey(checkedKey(text, "the file glorycard.key-file names (" + keyFile + ")"));
        }
        throw new GlorycardKeyException("glorycard.key is not set (nor glorycard.key-file), and " + neededBy + ".");
    }

    /** {@code key} when it can be a key; {@code source} names where it came from. The key is never shown. */
    private static String checkedKey(String key, String source) {
        if (key.trim().isEmpty()) {
            throw new GlorycardKeyException(source + " is empty" + (key.isEmpty() ? "" : " (only whitespace)")
                    + (source.equals("glorycard.key") ? ": a placeholder with an empty default, such as ${GLORYCARD_KEY:},"
                            + " resolves to nothing when the variable is unset or empty." : "."));
        }
        String placeholder = unresolvedPlaceholder(key);
        if (placeholder != null) {
            throw new GlorycardKeyException(source + " is still the placeholder " + placeholder + ": no property or"
                    + " environment variable of that name is set, so Spring Boot left the text as it is, and every call"
                    + " signed with it would be refused by the platform (signature_mismatch).");
        }
        if (!key.equals(key.trim())) {
            throw new GlorycardKeyException(source + " begins or ends with whitespace (a space, tab or line break), which"
                    + " would be signed as part of the key and refused by the platform; remove it (the key is not shown).");
        }
        return key;
    }

    /**
     * The {@code ${…}} placeholder Spring Boot left unresolved in {@code value}, as
     * {@code ${NAME}}, or null when there is none. Only a plain name is echoed: any other
     * text around {@code ${} could be part of a real key.
     */
    static String unresolvedPlaceholder(String value) {
        int start = value.indexOf("${");
        if (start < 0) {
            return null;
        }
        Matcher name = PLACEHOLDER_NAME.matcher(value.substring(start));
        return name.lookingAt() ? "${" + name.group(1) + "}" : "${…}";
    }

    private static String readText(String path, String property) {
        try {
            return new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("glorycard: cannot read " + property + " (" + path + "): " + e.getClass().getSimpleName(), e);
        }
    }
}
