package org.glorycard.spring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.glorycard.DeductCheckHandler;
import org.glorycard.DeductionSource;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.Replica;
import org.glorycard.SecretKey;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Creates, from the {@code glorycard.*} properties: the {@link GlorycardClient} (with
 * {@code glorycard.base-url}), the {@link Outbox} (with {@code glorycard.outbox.path}), the
 * {@link Replica} (with {@code glorycard.replica.path}), the scheduled drain and sync (with
 * their intervals), the {@code /deductCheck} controller answering from the application's
 * {@link DeductionSource} bean or else the outbox, and an Actuator health indicator when
 * Actuator is present. Every bean backs off when the application defines its own.
 *
 * <p>Compiled against Spring Boot 2.7 as Java 8 bytecode; the same jar runs on Spring Boot 3.
 */
@AutoConfiguration
@ConditionalOnClass(GlorycardClient.class)
@EnableConfigurationProperties(GlorycardProperties.class)
public class GlorycardAutoConfiguration {

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
        SecretKey key = secretKey(properties);
        if (key != null) {
            builder.key(key);
        }
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
        return Outbox.open(properties.getOutbox().getPath());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "glorycard.replica", name = "path")
    public Replica glorycardReplica(GlorycardProperties properties) {
        return Replica.open(properties.getReplica().getPath());
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

    /** The {@code /deductCheck} handler and its controller, in a servlet web application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnExpression("${glorycard.deduct-check.enabled:true} and '${glorycard.sid:}' != ''")
    static class DeductCheckConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        public DeductCheckHandler glorycardDeductCheckHandler(
                GlorycardProperties properties, ObjectProvider<DeductionSource> source, ObjectProvider<Outbox> outbox) {
            SecretKey key = secretKey(properties);
            if (key == null) {
                throw new IllegalStateException("glorycard: /deductCheck needs glorycard.key or glorycard.key-file");
            }
            DeductCheckHandler.Builder builder = DeductCheckHandler.builder(properties.getSid(), key)
                    .orgCode(properties.getOrgCode() == null ? "" : properties.getOrgCode())
                    .replayCapacity(properties.getDeductCheck().getReplayCapacity());
            DeductionSource ledger = source.getIfAvailable();
            Outbox queue = outbox.getIfAvailable();
            if (ledger != null) {
                builder.source(ledger);
            } else if (queue != null) {
                builder.outbox(queue);
            } else {
                throw new IllegalStateException("glorycard: /deductCheck answers from a DeductionSource bean or the outbox:"
                        + " define one, set glorycard.outbox.path, or set glorycard.deduct-check.enabled=false");
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

    /** {@code glorycard.key}, or the text of {@code glorycard.key-file} without one trailing newline. */
    static SecretKey secretKey(GlorycardProperties properties) {
        if (properties.getKey() != null && properties.getKeyFile() != null) {
            throw new IllegalStateException("glorycard: set glorycard.key or glorycard.key-file, not both");
        }
        if (properties.getKey() != null) {
            return new SecretKey(properties.getKey());
        }
        if (properties.getKeyFile() != null) {
            String text = readText(properties.getKeyFile(), "glorycard.key-file");
            if (text.endsWith("\r\n")) {
                text = text.substring(0, text.length() - 2);
            } else if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            return new SecretKey(text);
        }
        return null;
    }

    private static String readText(String path, String property) {
        try {
            return new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("glorycard: cannot read " + property + " (" + path + "): " + e.getClass().getSimpleName(), e);
        }
    }
}
