package org.glorycard.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link GlorycardKeyException}, however deep in Spring's bean-creation exceptions,
 * into the "APPLICATION FAILED TO START" report's Description and Action. Registered in
 * META-INF/spring.factories, which Spring Boot 2.7 and 3 both read for failure analyzers.
 */
public class GlorycardKeyFailureAnalyzer extends AbstractFailureAnalyzer<GlorycardKeyException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, GlorycardKeyException cause) {
        return new FailureAnalysis(cause.getDescription(), cause.getAction(), cause);
    }
}
