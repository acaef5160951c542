package io.sluice.connect.storage;

import io.sluice.runtime.store.StoreSettings;
import io.sluice.runtime.store.TopicStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Source offsets in a compacted topic ({@code offset.storage.topic}, by default {@code connect-offsets}), in Kafka
 * Connect's own record format: key {@code ["<connector>",{partition}]} and value the offset map, both schemaless
 * JSON, a null value (tombstone) for a removed offset. Records carry no explicit partition, so the producer's
 * default partitioner (murmur2 of the key bytes) places them where Kafka Connect's workers would — a topic written
 * by either runtime reads back in the other.
 *
 * <p>The reader is {@code read_committed}: offsets that exactly-once tasks write inside their transactions count
 * only once the transaction commits, so an aborted batch's offsets are never resumed from. Every read first catches
 * up to the topic's last stable offset, so it sees every offset committed before it began.
 */
public final class KafkaOffsetStore implements OffsetStore, AutoCloseable {
    public static final String DEFAULT_TOPIC = "connect-offsets";
    public static final int DEFAULT_PARTITIONS = 25;
    public static final short DEFAULT_REPLICATION_FACTOR = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(60);

    private final TopicStore<byte[], byte[]> store;
    private final Map<ByteBuffer, ByteBuffer> data = new ConcurrentHashMap<>();

    /**
     * Creates the topic when missing (compacted, {@code partitions}, {@code replicationFactor} capped by the number
     * of brokers) and reads it to its end.
     */
    public KafkaOffsetStore(Map<String, Object> clientSettings, String clientId, String topic, int partitions,
                            short replicationFactor) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        store = new TopicStore<>(settings, clientId,
                new StoreSettings(topic, partitions, replicationFactor, TIMEOUT, INIT_TIMEOUT),
                Serdes.ByteArray(), Serdes.ByteArray());
        store.addListener((key, value, offset) -> {
            if (value == null) {
                data.remove(ByteBuffer.wrap(key));
            } else {
                data.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
            }
        });
        try {
            store.start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    public String topic() {
        return store.topic();
    }

    @Override
    public ByteBuffer get(ByteBuffer key) {
        store.syncToEnd(TIMEOUT);
        return data.get(key);
    }

    @Override
    public Map<ByteBuffer, ByteBuffer> getAll(Collection<ByteBuffer> keys) {
        store.syncToEnd(TIMEOUT);
        Map<ByteBuffer, ByteBuffer> result = new HashMap<>();
        for (ByteBuffer key : keys) {
            ByteBuffer value = data.get(key);
            if (value != null) {
                result.put(key, value);
            }
        }
        return result;
    }

    @Override
    public Map<ByteBuffer, ByteBuffer> all() {
        store.syncToEnd(TIMEOUT);
        return new HashMap<>(data);
    }

    /** Writes every entry (null values as tombstones) and returns once the store has read them back. */
    @Override
    public void putAll(Map<ByteBuffer, ByteBuffer> entries) {
        List<TopicStore.Entry<byte[], byte[]>> records = new ArrayList<>();
        entries.forEach((key, value) -> records.add(new TopicStore.Entry<>(bytes(key),
                value == null ? null : bytes(value))));
        store.write(records);
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        store.close();
    }
}
