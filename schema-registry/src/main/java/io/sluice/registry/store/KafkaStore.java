package io.sluice.registry.store;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.api.ErrorCode;
import io.sluice.registry.api.RegistryException;
import io.sluice.runtime.store.StoreException;
import io.sluice.runtime.store.StoreSettings;
import io.sluice.runtime.store.TopicStore;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry's durable state: its single-partition compacted topic ({@link TopicStore}), every record applied
 * to a {@link RegistryState}. Nothing is served before it has been read back: {@link #write} returns once the
 * records are applied, and {@link #start} replays the topic to its end, which rebuilds the whole state. Store
 * failures surface as the registry's error codes.
 */
public final class KafkaStore implements AutoCloseable {
    private static final Serde<StoreRecords.Key> KEYS = Serdes.serdeFrom(
            (topic, key) -> StoreRecords.encodeKey(key), (topic, bytes) -> StoreRecords.decodeKey(bytes));

    private final RegistryConfig config;
    private final RegistryState state = new RegistryState();
    private final Map<String, Object> clientProps;
    private final TopicStore<StoreRecords.Key, byte[]> store;

    public KafkaStore(RegistryConfig config) {
        this.config = config;
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers);
        props.putAll(config.clientOverrides);
        this.clientProps = Map.copyOf(props);
        this.store = new TopicStore<>(clientProps, "sluice-registry", new StoreSettings(config.topic, 1,
                config.replicationFactor, Duration.ofMillis(config.storeTimeoutMs),
                Duration.ofMillis(config.storeInitTimeoutMs)), KEYS, Serdes.ByteArray());
        store.addListener((key, value, offset) -> state.apply(key, value));
    }

    /** Kafka client settings for this registry's cluster ({@code kafkastore.*}), overlaid with {@code specific}. */
    public Map<String, Object> clientProps(Map<String, Object> specific) {
        return store.props(specific);
    }

    /** Creates the topic if missing, then replays it to its end. Returns once the state is complete. */
    public void start() {
        store.start();
    }

    public RegistryState state() {
        return state;
    }

    public String topic() {
        return config.topic;
    }

    /** Waits until every record written to the topic before this call has been applied. */
    public void syncToEnd(long timeoutMs) {
        try {
            store.syncToEnd(Duration.ofMillis(timeoutMs));
        } catch (StoreException e) {
            throw translate(e);
        }
    }

    /** A record to write: key and value (null value = tombstone). */
    public record Write(StoreRecords.Key key, byte[] value) {
    }

    /** Sends {@code writes} in order and returns once all of them have been read back and applied. */
    public void write(List<Write> writes) {
        try {
            store.write(writes.stream().map(w -> new TopicStore.Entry<>(w.key(), w.value())).toList());
        } catch (StoreException e) {
            throw translate(e);
        }
    }

    private static RegistryException translate(StoreException e) {
        return new RegistryException(e.timedOut() ? ErrorCode.OPERATION_TIMEOUT : ErrorCode.STORE_ERROR,
                e.getMessage(), e);
    }

    @Override
    public void close() {
        store.close();
    }
}
