package org.glorycard.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An example HIS: the starter configures the client, the outbox (drained on schedule), the
 * replica (synced on schedule) and {@code /deductCheck} from application.properties.
 */
@SpringBootApplication
public class HisApplication {
    public static void main(String[] args) {
        SpringApplication.run(HisApplication.class, args);
    }
}
