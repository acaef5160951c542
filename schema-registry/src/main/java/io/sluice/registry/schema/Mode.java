package io.sluice.registry.schema;

import java.util.Locale;

/**
 * Registry modes with Confluent's names. READONLY refuses registrations and deletions; IMPORT accepts
 * registrations that carry their own id and version (to copy another registry) and skips compatibility checks.
 */
public enum Mode {
    READWRITE, READONLY, READONLY_OVERRIDE, IMPORT;

    public boolean allowsWrites() {
        return this == READWRITE || this == IMPORT;
    }

    /** The mode named {@code name} (case-insensitive), or null if there is none. */
    public static Mode parse(String name) {
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
