package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient;
import io.sluice.connect.rest.RestClient.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A standalone worker against a real broker, running Apache Kafka's connect-file 4.3.1 connectors from
 * plugin.path, created and driven through the REST API.
 */
class ConnectStandaloneIT {
    static final Path PLUGIN_PATH = WorkerFixture.PLUGIN_PATH;
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    ConnectStandalone connect;

    private Map<String, String> workerSettings() {
        Map<String, String> settings = WorkerFixture.settings(workers.broker(), dir);
        settings.put("offset.flush.interval.ms", "500");
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        return settings;
    }

    private RestClient rest() {
        return new RestClient(connect.url());
    }

    @Test
    void fileSourceToTopicToFileSinkResumesAfterRestartWithoutDuplicates() throws Exception {
        String topic = "lines";
        workers.broker().createTopic(topic, 1, Map.of());
        Path input = dir.resolve("in.txt");
        Path output = dir.resolve("out.txt");
        Files.write(input, lines(1, 20));
        connect = workers.start(workerSettings(), List.of());

        Map<String, String> source = Map.of("connector.class", "FileStreamSource", "file", input.toString(),
                "topic", topic);
        Response created = rest().post("/connectors", Map.of("name", "file-source", "config", source));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().get("name").asText()).isEqualTo("file-source");
        assertThat(created.body().get("type").asText()).isEqualTo("source");
        assertThat(created.body().get("tasks").get(0).get("task").asInt()).isZero();
        Map<String, String> sink = Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "file", output.toString(), "topics", topic);
        assertThat(rest().post("/connectors", Map.of("name", "file-sink", "config", sink)).status()).isEqualTo(201);

        awaitRunning("file-source");
        awaitRunning("file-sink");
        assertThat(rest().get("/connectors").body()).extracting(JsonNode::asText)
                .containsExactly("file-sink", "file-source");
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 20);
        assertThat(readLines(output)).isEqualTo(lines(1, 20));

        connect.close();
        Files.write(input, lines(21, 30), StandardOpenOption.APPEND);
        Map<String, String> sourceFile = new HashMap<>(source);
        sourceFile.put("name", "file-source");
        Map<String, String> sinkFile = new HashMap<>(sink);
        sinkFile.put("name", "file-sink");
        connect = workers.start(workerSettings(), List.of(sourceFile, sinkFile));

        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 30);
        assertThat(readLines(output)).isEqualTo(lines(1, 30));
        assertThat(readTopic(topic, 30)).isEqualTo(lines(1, 30));
    }

    @Test
    void pauseResumeAndStopAreReportedInTheStatus() throws Exception {
        workers.broker().createTopic("paused", 1, Map.of());
        Path input = dir.resolve("paused.txt");
        Files.write(input, lines(1, 3));
        connect = workers.start(workerSettings(), List.of());
        rest().put("/connectors/pausable/config", Map.of("connector.class", "FileStreamSource", "file", input.toString(),
                "topic", "paused"));
        awaitRunning("pausable");

        assertThat(rest().put("/connectors/pausable/pause", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> state(rest().get("/connectors/pausable/status").body())
                .equals(List.of("PAUSED", "PAUSED")));
        assertThat(rest().put("/connectors/pausable/resume", null).status()).isEqualTo(202);
        awaitRunning("pausable");
        JsonNode expanded = rest().get("/connectors?expand=status&expand=info").body();
        assertThat(expanded.get("pausable").get("status").get("connector").get("state").asText()).isEqualTo("RUNNING");
        assertThat(expanded.get("pausable").get("info").get("config").get("topic").asText()).isEqualTo("paused");

        assertThat(rest().put("/connectors/pausable/stop", null).status()).isEqualTo(204);
        JsonNode stopped = rest().get("/connectors/pausable/status").body();
        assertThat(stopped.get("connector").get("state").asText()).isEqualTo("STOPPED");
        assertThat(stopped.get("tasks")).isEmpty();
        assertThat(rest().get("/connectors/pausable/tasks").body()).isEmpty();
        assertThat(rest().post("/connectors/pausable/restart", null).status()).isEqualTo(409);
        assertThat(rest().put("/connectors/pausable/resume", null).status()).isEqualTo(202);
        awaitRunning("pausable");

        Response createdStopped = rest().post("/connectors", Map.of("name", "born-stopped", "initial_state", "STOPPED",
                "config", Map.of("connector.class", "FileStreamSource", "file", input.toString(), "topic", "paused")));
        assertThat(createdStopped.status()).isEqualTo(201);
        assertThat(createdStopped.body().get("tasks")).isEmpty();
        assertThat(state(rest().get("/connectors/born-stopped/status").body())).containsExactly("STOPPED");

        Response replaced = rest().put("/connectors/pausable/config", Map.of("connector.class", "FileStreamSource",
                "file", input.toString(), "topic", "paused", "batch.size", "10"));
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(rest().get("/connectors/pausable/config").body().get("batch.size").asText()).isEqualTo("10");
        assertThat(rest().get("/connectors/pausable/tasks").body().get(0).get("id").get("connector").asText())
                .isEqualTo("pausable");
        assertThat(rest().delete("/connectors/pausable").status()).isEqualTo(204);
        assertThat(rest().get("/connectors/pausable").status()).isEqualTo(404);
    }

    @Test
    void aTaskThatThrowsIsFailedWithItsTraceAndRestartsOnRequest() {
        connect = workers.start(workerSettings(), List.of());
        // FileStreamSinkTask.start() throws when it cannot create its file.
        Path impossible = dir.resolve("no-such-dir").resolve("deeper").resolve("out.txt");
        Response created = rest().post("/connectors", Map.of("name", "broken-sink", "config", Map.of(
                "connector.class", "FileStreamSink", "file", impossible.toString(), "topics", "anything",
                // manual restarts only here: ConnectTaskRestartIT covers the automatic ones
                "sluice.task.restart.enable", "false")));
        assertThat(created.status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(20)).until(() ->
                "FAILED".equals(rest().get("/connectors/broken-sink/tasks/0/status").body().get("state").asText()));
        JsonNode status = rest().get("/connectors/broken-sink/status").body();
        assertThat(status.get("connector").get("state").asText()).isEqualTo("RUNNING");
        JsonNode task = status.get("tasks").get(0);
        assertThat(task.get("state").asText()).isEqualTo("FAILED");
        assertThat(task.get("worker_id").asText()).isNotBlank();
        assertThat(task.get("trace").asText()).contains("org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file")
                .contains("FileStreamSinkTask");

        Response restart = rest().post("/connectors/broken-sink/restart?includeTasks=true&onlyFailed=true", null);
        assertThat(restart.status()).isEqualTo(202);
        assertThat(restart.body().get("connector").get("state").asText()).isEqualTo("RUNNING");
        assertThat(restart.body().get("tasks").get(0).get("state").asText()).isEqualTo("RESTARTING");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "FAILED".equals(rest().get("/connectors/broken-sink/tasks/0/status").body().get("state").asText()));
        assertThat(rest().post("/connectors/broken-sink/restart", null).status()).isEqualTo(204);
        assertThat(rest().post("/connectors/broken-sink/tasks/0/restart", null).status()).isEqualTo(204);
        assertThat(rest().post("/connectors/broken-sink/tasks/5/restart", null).status()).isEqualTo(404);
        assertThat(rest().get("/connectors/broken-sink/tasks/5/status").status()).isEqualTo(404);
    }

    @Test
    void errorsUseKafkaConnectsStatusCodesAndBodies() {
        connect = workers.start(workerSettings(), List.of());

        Response missing = rest().get("/connectors/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error_code").asInt()).isEqualTo(404);
        assertThat(missing.body().get("message").asText()).isEqualTo("Connector nope not found");
        assertThat(rest().get("/connectors/nope/status").status()).isEqualTo(404);
        assertThat(rest().put("/connectors/nope/pause", null).status()).isEqualTo(404);
        assertThat(rest().delete("/connectors/nope").status()).isEqualTo(404);

        Response unknownClass = rest().post("/connectors", Map.of("name", "ghost", "config",
                Map.of("connector.class", "com.example.NoSuchConnector", "topics", "t")));
        assertThat(unknownClass.status()).isEqualTo(400);
        assertThat(unknownClass.body().get("error_code").asInt()).isEqualTo(400);
        assertThat(unknownClass.body().get("message").asText())
                .startsWith("Failed to find any class that implements Connector and which name matches "
                        + "com.example.NoSuchConnector");
        assertThat(rest().get("/connectors").body()).isEmpty();

        Response invalid = rest().post("/connectors", Map.of("name", "no-topics", "config",
                Map.of("connector.class", "FileStreamSink")));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body().get("message").asText())
                .startsWith("Connector configuration is invalid and contains the following 2 error(s):")
                .contains("Must configure one of topics or topics.regex");

        Response validated = rest().put("/connector-plugins/FileStreamSink/config/validate", Map.of("tasks.max", "0"));
        assertThat(validated.status()).isEqualTo(200);
        assertThat(validated.body().get("name").asText()).isEqualTo("FileStreamSink");
        assertThat(validated.body().get("error_count").asInt()).isEqualTo(4);
        assertThat(errorsOf(validated.body(), "tasks.max")).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING).contains("at least 1");
        assertThat(errorsOf(validated.body(), "name")).isNotEmpty();
        assertThat(errorsOf(validated.body(), "topics")).containsExactly("Must configure one of topics or topics.regex");
        assertThat(rest().put("/connector-plugins/NoSuchConnector/config/validate", Map.of()).status()).isEqualTo(400);
        assertThat(rest().put("/connector-plugins/FileStreamSink/config/validate",
                Map.of("connector.class", "FileStreamSource")).status()).isEqualTo(400);

        Map<String, String> config = Map.of("connector.class", "FileStreamSink", "topics", "t",
                "file", dir.resolve("dup.txt").toString());
        assertThat(rest().post("/connectors", Map.of("name", "dup", "config", config)).status()).isEqualTo(201);
        Response conflict = rest().post("/connectors", Map.of("name", "dup", "config", config));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body().get("message").asText()).isEqualTo("Connector dup already exists");
        assertThat(rest().post("/connectors", "{not json").status()).isEqualTo(500); // as Kafka Connect
        Response mismatch = rest().put("/connectors/dup/config", Map.of("name", "other", "connector.class",
                "FileStreamSink", "topics", "t"));
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(mismatch.body().get("message").asText())
                .isEqualTo("Connector name configuration (other) doesn't match connector name in the URL (dup)");
    }

    @Test
    void rootAndPluginListDescribeTheWorker() {
        connect = workers.start(workerSettings(), List.of());
        JsonNode root = rest().get("/").body();
        assertThat(root.get("version").asText()).isNotBlank();
        assertThat(root.get("kafka_cluster_id").asText()).isNotBlank();

        JsonNode plugins = rest().get("/connector-plugins").body();
        List<String> classes = new ArrayList<>();
        plugins.forEach(p -> classes.add(p.get("class").asText() + "/" + p.get("type").asText()));
        assertThat(classes).contains("org.apache.kafka.connect.file.FileStreamSinkConnector/sink",
                "org.apache.kafka.connect.file.FileStreamSourceConnector/source");
        assertThat(classes).noneMatch(c -> c.endsWith("/converter"));
        JsonNode all = rest().get("/connector-plugins?connectorsOnly=false").body();
        List<String> types = new ArrayList<>();
        all.forEach(p -> types.add(p.get("type").asText()));
        assertThat(types).contains("source", "sink", "converter", "header_converter", "transformation", "predicate");

        JsonNode sinkConfig = rest().get("/connector-plugins/FileStreamSink/config").body();
        List<String> keys = new ArrayList<>();
        sinkConfig.forEach(k -> keys.add(k.get("name").asText()));
        assertThat(keys).contains("file");
        assertThat(rest().get("/connector-plugins/org.apache.kafka.connect.transforms.RegexRouter/config").body())
                .extracting(k -> k.get("name").asText()).contains("regex", "replacement");
        Response unknown = rest().get("/connector-plugins/NoSuchPlugin/config");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("error_code").asInt()).isEqualTo(404);
        assertThat(rest().get("/health").body().get("status").asText()).isEqualTo("healthy");
    }

    private void awaitRunning(String name) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Response status = rest().get("/connectors/" + name + "/status");
            return status.status() == 200 && state(status.body()).equals(List.of("RUNNING", "RUNNING"));
        });
    }

    /** The connector's state then each task's. */
    private static List<String> state(JsonNode status) {
        List<String> states = new ArrayList<>(List.of(status.get("connector").get("state").asText()));
        status.get("tasks").forEach(t -> states.add(t.get("state").asText()));
        return states;
    }

    private static List<String> errorsOf(JsonNode validation, String key) {
        for (JsonNode config : validation.get("configs")) {
            if (config.get("definition").get("name").asText().equals(key)) {
                List<String> errors = new ArrayList<>();
                config.get("value").get("errors").forEach(e -> errors.add(e.asText()));
                return errors;
            }
        }
        throw new AssertionError("no config " + key + " in " + validation);
    }

    private static List<String> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).collect(Collectors.toList());
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static List<String> readTopic(String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = workers.broker().consumer("check-" + topic,
                Map.of("isolation.level", "read_committed"))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // Anything beyond what was expected would be a duplicate: give it a moment to show up.
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
