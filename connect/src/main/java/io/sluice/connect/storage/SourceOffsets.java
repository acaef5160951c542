package io.sluice.connect.storage;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One connector's view of the offset store: keys are {@code ["<connector>",{partition}]} and values the offset
 * map, both as schemaless JSON — Kafka Connect's internal format, so numbers read back as {@code Long} like a
 * connector wrote them under Kafka's runtime. Serves tasks' {@link OffsetStorageReader} and takes their
 * committed offsets.
 */
public final class SourceOffsets implements OffsetStorageReader {
    private final String connector;
    private final OffsetStore store;
    private final JsonConverter json = new JsonConverter();

    public SourceOffsets(String connector, OffsetStore store) {
        this.connector = connector;
        this.store = store;
        json.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    @Override
    public <T> Map<String, Object> offset(Map<String, T> partition) {
        return offsets(List.of(partition)).get(partition);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
        Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
        for (Map<String, T> partition : partitions) {
            ByteBuffer value = store.get(key(partition));
            if (value == null) {
                continue;
            }
            SchemaAndValue offset = json.toConnectData(connector, bytes(value));
            if (offset.value() != null && !(offset.value() instanceof Map)) {
                throw new DataException("Offset of " + connector + " for " + partition + " is not a map");
            }
            result.put(partition, (Map<String, Object>) offset.value());
        }
        return result;
    }

    /** Stores the given partition → offset entries (a null offset removes the partition's offset). */
    public void write(Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<ByteBuffer, ByteBuffer> entries = new HashMap<>();
        offsets.forEach((partition, offset) -> entries.put(key(partition),
                offset == null ? null : ByteBuffer.wrap(json.fromConnectData(connector, null, offset))));
        store.putAll(entries);
    }

    private ByteBuffer key(Map<String, ?> partition) {
        return ByteBuffer.wrap(json.fromConnectData(connector, null, Arrays.asList(connector, partition)));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
