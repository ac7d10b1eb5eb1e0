package org.glorycard.spring;

/**
 * {@code glorycard.key} (or {@code glorycard.key-file}) is missing, empty, padded with
 * whitespace or still an unresolved {@code ${…}} placeholder. Thrown at start-up so that the
 * application does not start and sign every call with the wrong key; reported by
 * {@link GlorycardKeyFailureAnalyzer}. Neither text ever holds the key.
 */
public class GlorycardKeyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** How to set the key, the same for every problem. */
    static final String HOW_TO_SET_THE_KEY = "Set glorycard.key to the secret key the platform issued for glorycard.sid,"
            + " preferably from the environment variable GLORYCARD_KEY (glorycard.key=${GLORYCARD_KEY} in"
            + " application.properties, with GLORYCARD_KEY exported to the application's process), or put the key"
            + " alone in a file readable only by the application's user and set glorycard.key-file to its path"
            + " (one trailing newline is ignored). Set one of glorycard.key and glorycard.key-file, not both.";

    private final String description;
    private final String action;

    GlorycardKeyException(String description, String action) {
        super("glorycard: " + description + " " + action);
        this.description = description;
        this.action = action;
    }

    GlorycardKeyException(String description) {
        this(description, HOW_TO_SET_THE_KEY);
    }

    /** What is wrong, naming the property. */
    public String getDescription() { return description; }

    /** What to set. */
    public String getAction() { return action; }
}
