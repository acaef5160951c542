package io.sluice.connect.storage;

import io.sluice.runtime.store.StoreSettings;
import io.sluice.runtime.store.TopicStore;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Source offsets of distributed workers in Kafka Connect's offsets topic ({@code offset.storage.topic}, 25
 * partitions by default, compacted): keys {@code ["<connector>",{partition}]}, values the offset, both schemaless
 * JSON (written by {@link SourceOffsets}). Every worker reads the whole topic, so a task that moves finds the
 * offsets its previous owner committed.
 */
public final class TopicOffsetStore implements OffsetStore, AutoCloseable {
    private final TopicStore<byte[], byte[]> store;
    private final Map<ByteBuffer, ByteBuffer> data = new HashMap<>();

    public TopicOffsetStore(Map<String, Object> clientProps, String clientId, StoreSettings settings) {
        this.store = new TopicStore<>(clientProps, clientId + "-offsets", settings, Serdes.ByteArray(), Serdes.ByteArray());
        store.addListener((key, value, offset) -> {
            synchronized (data) {
                if (value == null) {
                    data.remove(ByteBuffer.wrap(key));
                } else {
                    data.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
                }
            }
        });
    }

    public void start() {
        store.start();
    }

    @Override
    public ByteBuffer get(ByteBuffer key) {
        synchronized (data) {
            ByteBuffer value = data.get(key);
            return value == null ? null : value.duplicate();
        }
    }

    @Override
    public void putAll(Map<ByteBuffer, ByteBuffer> entries) {
        List<TopicStore.Entry<byte[], byte[]>> records = new ArrayList<>();
        entries.forEach((key, value) -> records.add(new TopicStore.Entry<>(bytes(key), value == null ? null : bytes(value))));
        store.write(records);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        store.close();
    }
}
