package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.errors.DeadLetterQueueReporter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.connect.WorkerFixture.header;
import static io.sluice.connect.WorkerFixture.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * errors.* for sources (beyond Kafka Connect, which has no dead letter queue for them): a record that fails in a
 * transformation, or that the producer rejects, goes to the dead letter queue and the others flow.
 */
class ConnectSourceErrorsIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    WorkerFixture worker;

    @Test
    void aSourceRecordThatFailsInATransformGoesToTheDeadLetterQueue() {
        workers.broker().createTopic("counted", 1, Map.of());
        worker = workers.start(dir, Map.of());
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "CountingSource");
        config.put("topic", "counted");
        config.put("count", "10");
        config.put("transforms", "boom");
        config.put("transforms.boom.type", "io.sluice.connect.testplugins.ThrowingTransform");
        config.put("transforms.boom.poison", "v3,v7");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", "source-dlq");
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        assertThat(worker.rest.put("/connectors/counting/config", config).status()).isEqualTo(201);

        assertThat(worker.read("counted", 8)).extracting(WorkerFixture::value)
                .containsExactly("v0", "v1", "v2", "v4", "v5", "v6", "v8", "v9");
        List<ConsumerRecord<byte[], byte[]>> dlq = worker.read("source-dlq", 2);
        assertThat(dlq).extracting(WorkerFixture::value).containsExactly("v3", "v7");
        ConsumerRecord<byte[], byte[]> first = dlq.get(0);
        assertThat(new String(first.key())).isEqualTo("v3");
        assertThat(header(first, DeadLetterQueueReporter.STAGE)).isEqualTo("TRANSFORMATION");
        assertThat(header(first, DeadLetterQueueReporter.EXECUTING_CLASS))
                .isEqualTo("io.sluice.connect.testplugins.ThrowingTransform");
        assertThat(header(first, DeadLetterQueueReporter.TOPIC)).isEqualTo("counted");
        assertThat(header(first, DeadLetterQueueReporter.CONNECTOR_NAME)).isEqualTo("counting");
        assertThat(header(first, DeadLetterQueueReporter.EXCEPTION_MESSAGE)).isEqualTo("poisoned record v3");
        assertThat(header(first, DeadLetterQueueReporter.SOURCE_PARTITION)).isEqualTo("{\"source\":\"counting\"}");
        assertThat(header(first, DeadLetterQueueReporter.SOURCE_OFFSET)).isEqualTo("{\"next\":4}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode metrics = worker.rest.get("/connectors/counting/metrics").body().get("tasks").get(0);
            assertThat(metrics.get("source-record-poll-total").asLong()).isEqualTo(10);
            assertThat(metrics.get("source-record-write-total").asLong()).isEqualTo(8);
            assertThat(metrics.get("total-record-errors").asLong()).isEqualTo(2);
            assertThat(metrics.get("deadletterqueue-produce-requests").asLong()).isEqualTo(2);
            assertThat(metrics.get("last-poll-timestamp").asLong()).isPositive();
        });
        assertThat(worker.taskState("counting", 0)).isEqualTo("RUNNING");
        Metrics registry = worker.connect.herder().worker().kafkaMetrics();
        Map<String, String> tags = Map.of("connector", "counting", "task", "0");
        assertThat(registry.metric(registry.metricName("source-record-write-total", "source-task-metrics", tags))
                .metricValue()).isEqualTo(8.0);
        assertThat(registry.metric(registry.metricName("deadletterqueue-produce-requests", "task-error-metrics", tags))
                .metricValue()).isEqualTo(2.0);
    }

    @Test
    void aRecordTheProducerRejectsIsReportedAndSkippedWithToleranceAll() {
        workers.broker().createTopic("sized", 1, Map.of());
        worker = workers.start(dir, Map.of());
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "CountingSource");
        config.put("topic", "sized");
        config.put("count", "4");
        config.put("pad.value", "v2");
        config.put("producer.override.max.request.size", "2000");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", "sized-dlq");
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        assertThat(worker.rest.put("/connectors/sized/config", config).status()).isEqualTo(201);

        assertThat(worker.read("sized", 3)).extracting(WorkerFixture::value).containsExactly("v0", "v1", "v3");
        List<ConsumerRecord<byte[], byte[]>> dlq = worker.read("sized-dlq", 1);
        assertThat(dlq).singleElement().satisfies(record -> {
            assertThat(value(record)).startsWith("v2").hasSizeGreaterThan(2000);
            assertThat(header(record, DeadLetterQueueReporter.STAGE)).isEqualTo("KAFKA_PRODUCE");
            assertThat(header(record, DeadLetterQueueReporter.EXCEPTION))
                    .isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
        });
        assertThat(worker.taskState("sized", 0)).isEqualTo("RUNNING");
    }
}
