package io.sluice.registry.schema;

import java.util.Locale;

/**
 * Compatibility levels with Confluent's names. BACKWARD: the new schema reads data written with the old one;
 * FORWARD: the old schema reads data written with the new one; FULL: both. The non-transitive levels check
 * against the latest live version only, the transitive ones against every live version.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    public final boolean backward;
    public final boolean forward;
    public final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** The level named {@code name} (case-insensitive), or null if there is none. */
    public static CompatibilityLevel parse(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
