package io.sluice.connect.worker;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TaskClientSettingsTest {
    private static final ConnectorTaskId TASK = new ConnectorTaskId("files", 0);

    @Test
    void producerGetsLargerBatchesByDefaultAndKeepsItsGuarantees() {
        Map<String, Object> settings = TaskClientSettings.producer(new WorkerConfig(Map.of()), TASK, Map.of());
        assertThat(settings).containsEntry("batch.size", 128 * 1024).containsEntry("linger.ms", 5)
                .containsEntry("acks", "all").containsEntry("enable.idempotence", "true");
    }

    @Test
    void workerThenConnectorSettingsReplaceTheDefaults() {
        WorkerConfig worker = new WorkerConfig(Map.of("producer.batch.size", "16384", "producer.linger.ms", "50",
                "consumer.max.poll.records", "100"));
        Map<String, Object> producer = TaskClientSettings.producer(worker, TASK,
                Map.of("producer.override.linger.ms", "0"));
        assertThat(producer).containsEntry("batch.size", "16384").containsEntry("linger.ms", "0");
        Map<String, Object> consumer = TaskClientSettings.consumer(worker, TASK,
                Map.of("consumer.override.fetch.min.bytes", "1"));
        assertThat(consumer).containsEntry("max.poll.records", "100").containsEntry("fetch.min.bytes", "1")
                .containsEntry("isolation.level", "read_committed").containsEntry("group.id", "connect-files");
    }
}
