package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.errors.DeadLetterQueueReporter;
import io.sluice.connect.testplugins.Recorder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * errors.* for sinks on a real worker and broker: poison records go to the dead letter queue with Kafka Connect's
 * context headers and the good ones flow; errors.tolerance=none fails only the task at fault.
 */
class ConnectSinkErrorsIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    WorkerFixture worker;

    @Test
    void sinkPoisonRecordsGoToTheDeadLetterQueueWhileGoodOnesFlowAndToleranceNoneFailsOnlyItsTask() {
        workers.broker().createTopic("json-in", 1, Map.of());
        try (KafkaProducer<String, String> producer = workers.broker().producer(Map.of())) {
            for (String value : List.of("{\"a\":1}", "not json", "{\"a\":2}", "\"report-me\"", "{\"a\":3}")) {
                producer.send(new ProducerRecord<>("json-in", "k", value));
            }
        }
        worker = workers.start(dir, Map.of());
        Map<String, String> tolerant = new HashMap<>(jsonSink("json-in"));
        tolerant.put("errors.tolerance", "all");
        tolerant.put("errors.log.enable", "true");
        tolerant.put("errors.deadletterqueue.topic.name", "sink-dlq");
        tolerant.put("errors.deadletterqueue.topic.replication.factor", "1");
        tolerant.put("errors.deadletterqueue.context.headers.enable", "true");
        tolerant.put("report.value", "report-me");
        assertThat(worker.rest.put("/connectors/tolerant/config", tolerant).status()).isEqualTo(201);
        Map<String, String> strict = new HashMap<>(jsonSink("json-in"));
        strict.put("sluice.task.restart.enable", "false");
        assertThat(worker.rest.put("/connectors/strict/config", strict).status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> Recorder.put("tolerant").size() >= 3);
        assertThat(Recorder.put("tolerant")).containsExactly("{a=1}", "{a=2}", "{a=3}");

        List<ConsumerRecord<byte[], byte[]>> dlq = worker.read("sink-dlq", 2);
        assertThat(dlq).extracting(WorkerFixture::value).containsExactly("not json", "\"report-me\"");
        ConsumerRecord<byte[], byte[]> badJson = dlq.get(0);
        assertThat(new String(badJson.key())).isEqualTo("k");
        assertThat(header(badJson, DeadLetterQueueReporter.TOPIC)).isEqualTo("json-in");
        assertThat(header(badJson, DeadLetterQueueReporter.PARTITION)).isEqualTo("0");
        assertThat(header(badJson, DeadLetterQueueReporter.OFFSET)).isEqualTo("1");
        assertThat(header(badJson, DeadLetterQueueReporter.CONNECTOR_NAME)).isEqualTo("tolerant");
        assertThat(header(badJson, DeadLetterQueueReporter.TASK_ID)).isEqualTo("0");
        assertThat(header(badJson, DeadLetterQueueReporter.STAGE)).isEqualTo("VALUE_CONVERTER");
        assertThat(header(badJson, DeadLetterQueueReporter.EXECUTING_CLASS))
                .isEqualTo("org.apache.kafka.connect.json.JsonConverter");
        assertThat(header(badJson, DeadLetterQueueReporter.EXCEPTION))
                .isEqualTo("org.apache.kafka.connect.errors.DataException");
        assertThat(header(badJson, DeadLetterQueueReporter.EXCEPTION_STACKTRACE)).contains("JsonConverter");
        ConsumerRecord<byte[], byte[]> reported = dlq.get(1);
        assertThat(header(reported, DeadLetterQueueReporter.STAGE)).isEqualTo("TASK_PUT");
        assertThat(header(reported, DeadLetterQueueReporter.OFFSET)).isEqualTo("3");
        assertThat(header(reported, DeadLetterQueueReporter.EXECUTING_CLASS))
                .isEqualTo("org.apache.kafka.connect.sink.SinkTask");
        assertThat(header(reported, DeadLetterQueueReporter.EXCEPTION_MESSAGE)).isEqualTo("task rejects report-me");

        worker.awaitTaskState("strict", 0, "FAILED");
        assertThat(worker.taskStatus("strict", 0).get("trace").asText())
                .contains("org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler")
                .contains("Caused by: org.apache.kafka.connect.errors.DataException");
        assertThat(Recorder.put("strict")).isEmpty();
        assertThat(worker.taskState("tolerant", 0)).isEqualTo("RUNNING");
        assertThat(worker.rest.get("/connectors/strict/status").body().get("connector").get("state").asText())
                .isEqualTo("RUNNING");

        JsonNode metrics = worker.rest.get("/connectors/tolerant/metrics").body().get("tasks").get(0);
        assertThat(metrics.get("sink-record-read-total").asLong()).isEqualTo(5);
        assertThat(metrics.get("sink-record-send-total").asLong()).isEqualTo(4);
        assertThat(metrics.get("total-record-errors").asLong()).isEqualTo(2);
        assertThat(metrics.get("total-records-skipped").asLong()).isEqualTo(2);
        assertThat(metrics.get("deadletterqueue-produce-requests").asLong()).isEqualTo(2);
        assertThat(metrics.get("total-errors-logged").asLong()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.rest.get("/connectors/tolerant/metrics").body()
                .get("tasks").get(0).get("sink-lag").asLong() == 0);
    }

    private static Map<String, String> jsonSink(String topic) {
        return Map.of("connector.class", "io.sluice.connect.testplugins.RecordingSinkConnector", "topics", topic,
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "false");
    }
}
