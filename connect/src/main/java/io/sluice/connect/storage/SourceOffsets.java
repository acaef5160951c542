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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connector's view of the offset store: keys are {@code ["<connector>",{partition}]} and values the offset
 * map, both as schemaless JSON — Kafka Connect's internal format, so numbers read back as {@code Long} like a
 * connector wrote them under Kafka's runtime. Serves tasks' {@link OffsetStorageReader} and takes their
 * committed offsets.
 *
 * <p>A connector with its own offsets topic ({@code offsets.storage.topic}) reads that store first and the worker's
 * store for partitions it has never written there, as Kafka Connect does, so moving a connector to its own topic
 * keeps its progress.
 */
public final class SourceOffsets implements OffsetStorageReader {
    private final String connector;
    private final OffsetStore store;
    private final OffsetStore fallback;
    private final JsonConverter json = new JsonConverter();

    public SourceOffsets(String connector, OffsetStore store) {
        this(connector, store, null);
    }

    /** Reads {@code store}, then {@code fallback} (may be null) for partitions {@code store} has no offset for. */
    public SourceOffsets(String connector, OffsetStore store, OffsetStore fallback) {
        this.connector = connector;
        this.store = store;
        this.fallback = fallback == store ? null : fallback;
        json.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    public String connector() {
        return connector;
    }

    /** The store this connector's offsets are written to. */
    public OffsetStore store() {
        return store;
    }

    @Override
    public <T> Map<String, Object> offset(Map<String, T> partition) {
        return offsets(List.of(partition)).get(partition);
    }

    @Override
    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
        Map<ByteBuffer, Map<String, T>> keys = new LinkedHashMap<>();
        for (Map<String, T> partition : partitions) {
            keys.put(key(partition), partition);
        }
        Map<ByteBuffer, ByteBuffer> found = new HashMap<>(store.getAll(keys.keySet()));
        if (fallback != null && found.size() < keys.size()) {
            List<ByteBuffer> missing = keys.keySet().stream().filter(k -> !found.containsKey(k)).toList();
            found.putAll(fallback.getAll(missing));
        }
        Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
        keys.forEach((key, partition) -> {
            ByteBuffer value = found.get(key);
            if (value != null) {
                result.put(partition, offsetValue(partition, value));
            }
        });
        return result;
    }

    /** Every partition this connector has an offset for, with the offset (the KIP-875 {@code GET} view). */
    @SuppressWarnings("unchecked")
    public Map<Map<String, Object>, Map<String, Object>> all() {
        Map<Map<String, Object>, Map<String, Object>> result = new LinkedHashMap<>();
        List<OffsetStore> stores = fallback == null ? List.of(store) : List.of(fallback, store);
        for (OffsetStore source : stores) {
            source.all().forEach((key, value) -> {
                Object parsed;
                try {
                    parsed = json.toConnectData(connector, bytes(key)).value();
                } catch (DataException e) {
                    return; // not a Connect offset key; someone else's record in the topic
                }
                if (parsed instanceof List<?> list && list.size() == 2 && connector.equals(list.get(0))
                        && list.get(1) instanceof Map<?, ?> partition) {
                    result.put((Map<String, Object>) partition, offsetValue(partition, value));
                }
            });
        }
        return result;
    }

    /** Stores the given partition → offset entries (a null offset removes the partition's offset). */
    public void write(Map<Map<String, ?>, Map<String, ?>> offsets) {
        store.putAll(serialize(offsets));
    }

    /**
     * The given partitions and offsets as a connector reads them back from the store: through the same JSON, so
     * numbers a REST client sent (an {@code Integer} to Jackson) arrive as the {@code Long} a task expects.
     */
    @SuppressWarnings("unchecked")
    public Map<Map<String, ?>, Map<String, ?>> normalize(Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> result = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            Object p = json.toConnectData(connector, json.fromConnectData(connector, null, partition)).value();
            Object o = offset == null ? null
                    : json.toConnectData(connector, json.fromConnectData(connector, null, offset)).value();
            result.put((Map<String, ?>) p, (Map<String, ?>) o);
        });
        return result;
    }

    /** The given partition → offset entries as the offset store's records (a null offset as a null value). */
    public Map<ByteBuffer, ByteBuffer> serialize(Map<? extends Map<String, ?>, ? extends Map<String, ?>> offsets) {
        Map<ByteBuffer, ByteBuffer> entries = new HashMap<>();
        offsets.forEach((partition, offset) -> entries.put(key(partition),
                offset == null ? null : ByteBuffer.wrap(json.fromConnectData(connector, null, offset))));
        return entries;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> offsetValue(Object partition, ByteBuffer value) {
        SchemaAndValue offset = json.toConnectData(connector, bytes(value));
        if (offset.value() != null && !(offset.value() instanceof Map)) {
            throw new DataException("Offset of " + connector + " for " + partition + " is not a map");
        }
        return (Map<String, Object>) offset.value();
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
