package io.sluice.jdbc.source;

import java.util.Arrays;
import java.util.List;

/** How a table is read, Confluent's {@code mode} values. */
public enum Mode {
    /** The whole table every {@code poll.interval.ms}; no offsets. */
    BULK("bulk", false, false),
    /** Rows whose {@code incrementing.column.name} is above the last one seen. */
    INCREMENTING("incrementing", true, false),
    /** Rows whose {@code timestamp.column.name} is after the last complete timestamp group. */
    TIMESTAMP("timestamp", false, true),
    /** Rows after the last (timestamp, incrementing) pair seen. */
    TIMESTAMP_INCREMENTING("timestamp+incrementing", true, true);

    private final String configValue;
    private final boolean incrementing;
    private final boolean timestamp;

    Mode(String configValue, boolean incrementing, boolean timestamp) {
        this.configValue = configValue;
        this.incrementing = incrementing;
        this.timestamp = timestamp;
    }

    public String configValue() {
        return configValue;
    }

    public boolean usesIncrementing() {
        return incrementing;
    }

    public boolean usesTimestamp() {
        return timestamp;
    }

    public static List<String> configValues() {
        return Arrays.stream(values()).map(Mode::configValue).toList();
    }

    public static Mode of(String configValue) {
        for (Mode mode : values()) {
            if (mode.configValue.equalsIgnoreCase(configValue.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("Unknown mode " + configValue + "; expected one of " + configValues());
    }
}
