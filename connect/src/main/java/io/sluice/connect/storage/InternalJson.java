package io.sluice.connect.storage;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

import java.util.Map;

/**
 * Kafka Connect's internal converter: {@link JsonConverter} with {@code schemas.enable=false}, the format of every
 * value in the config, status and offsets topics. Using the same converter and the same struct schemas as Kafka
 * Connect keeps the bytes identical, so either runtime reads the other's topics.
 */
final class InternalJson {
    private final JsonConverter converter = new JsonConverter();

    InternalJson() {
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    byte[] write(String topic, Struct value) {
        return converter.fromConnectData(topic, value.schema(), value);
    }

    /** A record's value as a map, or null for a tombstone. */
    @SuppressWarnings("unchecked")
    Map<String, Object> read(String topic, byte[] value) {
        if (value == null) {
            return null;
        }
        SchemaAndValue data = converter.toConnectData(topic, value);
        if (!(data.value() instanceof Map)) {
            throw new DataException("Expected a JSON object in topic " + topic + ", found " + data.value());
        }
        return (Map<String, Object>) data.value();
    }
}
