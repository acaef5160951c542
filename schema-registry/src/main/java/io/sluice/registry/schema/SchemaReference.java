package io.sluice.registry.schema;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A named type that a schema uses but does not define: {@code name} is the Avro full name, found in
 * {@code subject} at {@code version}.
 */
public record SchemaReference(@JsonProperty("name") String name,
                              @JsonProperty("subject") String subject,
                              @JsonProperty("version") int version) {
    @JsonCreator
    public SchemaReference {
    }
}
