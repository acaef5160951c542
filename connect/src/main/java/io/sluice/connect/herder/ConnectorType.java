package io.sluice.connect.herder;

import com.fasterxml.jackson.annotation.JsonValue;

/** {@code "source"} / {@code "sink"} in Kafka Connect's REST bodies. */
public enum ConnectorType {
    SOURCE, SINK, UNKNOWN;

    @JsonValue
    public String json() {
        return name().toLowerCase();
    }
}
