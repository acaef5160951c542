package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient.Response;
import io.sluice.connect.testplugins.Recorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** PATCH config, /admin/loggers, active topics, the metrics endpoint and Kafka Connect's error answers. */
class ConnectRestExtrasIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    WorkerFixture worker;

    @Test
    void patchMergesTheConfigAndNullRemovesAKey() {
        worker = workers.start(dir, Map.of());
        Map<String, String> config = Map.of("connector.class", "CountingSource", "topic", "patched", "count", "0",
                "extra", "x");
        assertThat(worker.rest.put("/connectors/patchy/config", config).status()).isEqualTo(201);
        Map<String, String> patch = new HashMap<>();
        patch.put("count", "3");
        patch.put("extra", null);
        Response patched = send("PATCH", "/connectors/patchy/config", "{\"count\":\"3\",\"extra\":null}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.body().get("config").get("count").asText()).isEqualTo("3");
        JsonNode now = worker.rest.get("/connectors/patchy/config").body();
        assertThat(now.get("count").asText()).isEqualTo("3");
        assertThat(now.has("extra")).isFalse();
        assertThat(now.get("topic").asText()).isEqualTo("patched");
        assertThat(worker.read("patched", 3)).extracting(WorkerFixture::value).containsExactly("v0", "v1", "v2");

        Response unknown = send("PATCH", "/connectors/nope/config", "{\"count\":\"1\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("message").asText()).isEqualTo("Connector nope not found");
        assertThat(send("PATCH", "/connectors/patchy/config", "{\"tasks.max\":\"0\"}").status()).isEqualTo(400);
    }

    @Test
    void loggersAreListedReadAndSet() {
        worker = workers.start(dir, Map.of());
        JsonNode all = worker.rest.get("/admin/loggers").body();
        assertThat(all.get("root").get("level").asText()).isEqualTo("INFO");
        assertThat(all.get("root").get("last_modified").isNull()).isTrue();

        Response set = worker.rest.put("/admin/loggers/io.sluice.connect.worker", Map.of("level", "DEBUG"));
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.body()).extracting(JsonNode::asText).contains("io.sluice.connect.worker",
                "io.sluice.connect.worker.Worker");
        assertThat(org.slf4j.LoggerFactory.getLogger("io.sluice.connect.worker.Worker").isDebugEnabled()).isTrue();
        JsonNode one = worker.rest.get("/admin/loggers/io.sluice.connect.worker.Worker").body();
        assertThat(one.get("level").asText()).isEqualTo("DEBUG");
        assertThat(one.get("last_modified").asLong()).isPositive();
        assertThat(worker.rest.put("/admin/loggers/io.sluice.connect.worker", Map.of("level", "INFO")).status())
                .isEqualTo(200);
        assertThat(org.slf4j.LoggerFactory.getLogger("io.sluice.connect.worker.Worker").isDebugEnabled()).isFalse();

        Response missing = worker.rest.get("/admin/loggers/no.such.logger.anywhere");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("message").asText()).isEqualTo("Logger no.such.logger.anywhere not found.");
        Response noLevel = worker.rest.put("/admin/loggers/io.sluice", Map.of("lvl", "DEBUG"));
        assertThat(noLevel.status()).isEqualTo(400);
        assertThat(noLevel.body().get("message").asText())
                .isEqualTo("Desired 'level' parameter was not specified in request.");
        Response badLevel = worker.rest.put("/admin/loggers/io.sluice", Map.of("level", "LOUD"));
        assertThat(badLevel.status()).isEqualTo(404);
        assertThat(badLevel.body().get("message").asText()).isEqualTo("invalid log level 'LOUD'.");
    }

    @Test
    void activeTopicsAreTrackedAndResetAndMetricsCountRecordsMoved() {
        workers.broker().createTopic("tracked-a", 1, Map.of());
        workers.broker().createTopic("tracked-b", 1, Map.of());
        worker = workers.start(dir, Map.of());
        assertThat(worker.rest.put("/connectors/writer/config", Map.of("connector.class", "CountingSource",
                "topic", "tracked-a", "count", "7")).status()).isEqualTo(201);
        assertThat(worker.rest.put("/connectors/reader/config", Map.of("connector.class", "RecordingSink",
                "topics", "tracked-a,tracked-b")).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> Recorder.put("reader").size() >= 7);

        assertThat(worker.rest.get("/connectors/writer/topics").body().get("writer").get("topics"))
                .extracting(JsonNode::asText).containsExactly("tracked-a");
        assertThat(worker.rest.get("/connectors/reader/topics").body().get("reader").get("topics"))
                .extracting(JsonNode::asText).containsExactly("tracked-a");
        assertThat(worker.rest.put("/connectors/reader/topics/reset", null).status()).isEqualTo(202);
        assertThat(worker.rest.get("/connectors/reader/topics").body().get("reader").get("topics")).isEmpty();
        try (KafkaProducer<String, String> producer = workers.broker().producer(Map.of())) {
            producer.send(new ProducerRecord<>("tracked-b", "k", "late"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Recorder.put("reader").size() >= 8);
        assertThat(worker.rest.get("/connectors/reader/topics").body().get("reader").get("topics"))
                .extracting(JsonNode::asText).containsExactly("tracked-b");
        assertThat(worker.rest.get("/connectors/nope/topics").status()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode writer = worker.rest.get("/connectors/writer/metrics").body();
            assertThat(writer.get("connector").get("source-record-poll-total").asLong()).isEqualTo(7);
            assertThat(writer.get("connector").get("source-record-write-total").asLong()).isEqualTo(7);
            JsonNode reader = worker.rest.get("/connectors/reader/metrics").body();
            assertThat(reader.get("connector").get("sink-record-read-total").asLong()).isEqualTo(8);
            assertThat(reader.get("connector").get("sink-record-send-total").asLong()).isEqualTo(8);
            assertThat(reader.get("connector").get("total-record-errors").asLong()).isZero();
            assertThat(reader.get("tasks").get(0).get("sink-lag").asLong()).isZero();
        });
        assertThat(worker.rest.get("/connectors/nope/metrics").status()).isEqualTo(404);
    }

    @Test
    void expandBothAndKafkaConnectsErrorAnswers() {
        worker = workers.start(dir, Map.of());
        assertThat(worker.rest.put("/connectors/idle/config", Map.of("connector.class", "CountingSource",
                "topic", "idle", "count", "0")).status()).isEqualTo(201);
        JsonNode expanded = worker.rest.get("/connectors?expand=status&expand=info").body();
        assertThat(expanded.get("idle").get("status").get("name").asText()).isEqualTo("idle");
        assertThat(expanded.get("idle").get("info").get("config").get("topic").asText()).isEqualTo("idle");

        Response wrongMethod = worker.rest.delete("/connectors/idle/status");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.body().get("error_code").asInt()).isEqualTo(405);
        assertThat(wrongMethod.body().get("message").asText()).isEqualTo("HTTP 405 Method Not Allowed");
        Response malformed = worker.rest.put("/connectors/idle/config", "{\"topic\": ");
        assertThat(malformed.status()).isEqualTo(500);
        assertThat(malformed.body().get("error_code").asInt()).isEqualTo(500);
        assertThat(malformed.body().get("message").asText()).isNotBlank();
        Response unknown = worker.rest.get("/connectors/ghost/status");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("message").asText()).isEqualTo("Connector ghost not found");
    }

    private Response send(String method, String path, String body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(worker.connect.url().replaceAll("/$", "") + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            return new Response(response.statusCode(), text == null || text.isBlank() ? null
                    : new com.fasterxml.jackson.databind.ObjectMapper().readTree(text));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
