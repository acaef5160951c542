package io.sluice.connect.worker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The settings of a task's producer (source) or consumer (sink), lowest precedence first: what the runtime needs
 * (acks, idempotence; group, manual commits, read_committed), throughput defaults, the worker's {@code producer.} /
 * {@code consumer.} settings, then the connector's {@code producer.override.} / {@code consumer.override.} ones.
 *
 * <p>Why throughput defaults: connector records are typically ~1 KiB, and with the client's 16 KiB batches a
 * produce request carries a dozen of them, so the worker's sender thread and the broker (often on the same cores)
 * spend their time on per-request work. 128 KiB batches cut requests per record by 8×; {@code linger.ms} stays at
 * the client default of 5 ms, so a slow source's records still go out promptly. None of these touches a guarantee.
 */
final class TaskClientSettings {
    /** 8× the client default; the default 32 MiB buffer still holds a full batch for 256 partitions at once. */
    static final int PRODUCER_BATCH_SIZE = 128 * 1024;
    static final int PRODUCER_LINGER_MS = 5;

    private TaskClientSettings() {
    }

    static Map<String, Object> producer(WorkerConfig worker, ConnectorTaskId id, Map<String, String> connectorConfig) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-producer-" + id);
        settings.put(ProducerConfig.BATCH_SIZE_CONFIG, PRODUCER_BATCH_SIZE);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, PRODUCER_LINGER_MS);
        settings.putAll(worker.producerSettings());
        settings.putAll(prefixed(connectorConfig, Worker.CONNECTOR_CLIENT_PRODUCER_OVERRIDES_PREFIX));
        return settings;
    }

    static Map<String, Object> consumer(WorkerConfig worker, ConnectorTaskId id, Map<String, String> connectorConfig) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + id.connector());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + id);
        settings.putAll(worker.consumerSettings());
        settings.putAll(prefixed(connectorConfig, Worker.CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX));
        return settings;
    }

    private static Map<String, Object> prefixed(Map<String, String> settings, String prefix) {
        Map<String, Object> result = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                result.put(key.substring(prefix.length()), value);
            }
        });
        return result;
    }
}
