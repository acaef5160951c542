package io.sluice.connect.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.ConnectDistributed;
import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two distributed workers in this JVM against a real broker, running Apache Kafka's connect-file 4.3.1 from
 * plugin.path: writes on either worker (a follower forwards them to the leader), reads from both, and the config
 * topic in Kafka Connect's exact record format.
 */
class ConnectDistributedIT {
    static final Path PLUGIN_PATH = Path.of("target/plugins").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static TestBroker broker;

    @TempDir
    Path dir;
    final List<ConnectDistributed> workers = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(ConnectDistributed::close);
    }

    static Map<String, String> workerSettings(String bootstrap, String group) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", bootstrap);
        settings.put("plugin.path", PLUGIN_PATH.toString());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("group.id", group);
        settings.put("config.storage.topic", group + "-configs");
        settings.put("offset.storage.topic", group + "-offsets");
        settings.put("status.storage.topic", group + "-status");
        settings.put("config.storage.replication.factor", "1");
        settings.put("offset.storage.replication.factor", "1");
        settings.put("status.storage.replication.factor", "1");
        settings.put("offset.storage.partitions", "5");
        settings.put("session.timeout.ms", "6000");
        settings.put("heartbeat.interval.ms", "1000");
        settings.put("offset.flush.interval.ms", "500");
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        return settings;
    }

    @Test
    void twoWorkersServeTheRestApiAndKeepConfigsInKafkaConnectsFormat() throws Exception {
        createInternalTopics(broker, "dist-it");
        Map<String, String> settings = workerSettings(broker.bootstrap(), "dist-it");
        workers.add(ConnectDistributed.start(settings));
        workers.add(ConnectDistributed.start(settings));
        await().atMost(Duration.ofSeconds(30)).until(() -> workers.stream().filter(w -> w.herder().isLeader()).count() == 1
                && workers.stream().allMatch(w -> w.herder().leaderUrl() != null));
        ConnectDistributed leaderWorker = workers.stream().filter(w -> w.herder().isLeader()).findFirst().orElseThrow();
        ConnectDistributed followerWorker = workers.stream().filter(w -> !w.herder().isLeader()).findFirst().orElseThrow();
        RestClient follower = new RestClient(followerWorker.url());
        RestClient leader = new RestClient(leaderWorker.url());

        String topic = "dist-lines";
        broker.createTopic(topic, 1, Map.of());
        Path input = dir.resolve("in.txt");
        Path output = dir.resolve("out.txt");
        Files.writeString(input, "one\ntwo\n");

        // Created on the follower: forwarded to the leader.
        Map<String, Object> create = Map.of("name", "src", "config", Map.of(
                "connector.class", "FileStreamSource", "file", input.toString(), "topic", topic, "tasks.max", "1"));
        RestClient.Response created = follower.post("/connectors", create);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("name").asText()).isEqualTo("src");
        assertThat(follower.post("/connectors", create).status()).isEqualTo(409);
        // Created with PUT .../config on the leader.
        RestClient.Response sink = leader.put("/connectors/sink/config", Map.of("connector.class", "FileStreamSink",
                "file", output.toString(), "topics", topic, "tasks.max", "1"));
        assertThat(sink.status()).isEqualTo(201);

        for (RestClient rest : List.of(leader, follower)) {
            awaitState(rest, "src", "RUNNING", "RUNNING");
            awaitState(rest, "sink", "RUNNING", "RUNNING");
            assertThat(names(rest.get("/connectors").body())).containsExactlyInAnyOrder("src", "sink");
            assertThat(rest.get("/connectors/src/tasks").body().get(0).path("config").path("task.class").asText())
                    .isEqualTo("org.apache.kafka.connect.file.FileStreamSourceTask");
            assertThat(rest.get("/connectors/nope/status").status()).isEqualTo(404);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(output)
                && Files.readAllLines(output).equals(List.of("one", "two")));

        for (String connector : List.of("src", "sink")) {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                    follower.get("/connectors/" + connector + "/topics").body().path(connector).path("topics"))
                    .extracting(JsonNode::asText).containsExactly(topic));
        }
        Map<String, String> statusRecords = readTopic("dist-it-status", 5);
        JsonNode srcStatus = JSON.readTree(statusRecords.get("status-connector-src"));
        assertThat(srcStatus.path("state").asText()).isEqualTo("RUNNING");
        assertThat(srcStatus.has("trace")).isTrue();
        assertThat(srcStatus.path("worker_id").asText()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(srcStatus.path("generation").isInt()).isTrue();
        assertThat(JSON.readTree(statusRecords.get("status-task-src-0")).path("state").asText()).isEqualTo("RUNNING");
        JsonNode topicStatus = JSON.readTree(statusRecords.get("status-topic-" + topic + ":connector-sink")).path("topic");
        assertThat(topicStatus.path("name").asText()).isEqualTo(topic);
        assertThat(topicStatus.path("connector").asText()).isEqualTo("sink");
        assertThat(topicStatus.path("task").asInt()).isZero();
        assertThat(topicStatus.path("discoverTimestamp").isIntegralNumber()).isTrue();
        assertThat(follower.put("/connectors/sink/topics/reset", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                leader.get("/connectors/sink/topics").body().path("sink").path("topics").isEmpty());

        assertThat(follower.put("/connectors/src/pause", null).status()).isEqualTo(202);
        awaitState(leader, "src", "PAUSED", "PAUSED");
        assertThat(follower.put("/connectors/src/resume", null).status()).isEqualTo(202);
        awaitState(leader, "src", "RUNNING", "RUNNING");
        Files.writeString(input, "three\n", StandardOpenOption.APPEND);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(output).equals(List.of("one", "two", "three")));

        RestClient.Response restart = follower.post("/connectors/src/restart?includeTasks=true", null);
        assertThat(restart.status()).isEqualTo(202);
        assertThat(restart.body().path("connector").path("state").asText()).isEqualTo("RESTARTING");
        awaitState(follower, "src", "RUNNING", "RUNNING");
        assertThat(follower.post("/connectors/src/tasks/0/restart", null).status()).isEqualTo(204);
        assertThat(leader.post("/connectors/src/tasks/0/restart", null).status()).isEqualTo(204);
        awaitState(follower, "src", "RUNNING", "RUNNING");

        assertThat(follower.put("/connectors/src/stop", null).status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode status = leader.get("/connectors/src/status").body();
            assertThat(status.path("connector").path("state").asText()).isEqualTo("STOPPED");
            assertThat(status.path("tasks")).isEmpty();
        });
        // KIP-875 on distributed workers: offsets read on either worker, altered through the follower (forwarded).
        for (RestClient rest : List.of(leader, follower)) {
            JsonNode offsets = rest.get("/connectors/src/offsets").body().path("offsets");
            assertThat(offsets).hasSize(1);
            assertThat(offsets.get(0).path("partition").path("filename").asText()).isEqualTo(input.toString());
            assertThat(offsets.get(0).path("offset").path("position").asLong()).isPositive();
        }
        RestClient.Response rewound = follower.patch("/connectors/src/offsets", Map.of("offsets", List.of(Map.of(
                "partition", Map.of("filename", input.toString()), "offset", Map.of("position", 0)))));
        assertThat(rewound.status()).as("%s", rewound.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.get("/connectors/src/offsets").body()
                .path("offsets").get(0).path("offset").path("position").asLong() == 0);
        assertThat(follower.put("/connectors/src/resume", null).status()).isEqualTo(202);
        awaitState(follower, "src", "RUNNING", "RUNNING");
        assertThat(leader.patch("/connectors/src/offsets", Map.of("offsets", List.of())).status())
                .as("altering offsets of a running connector").isEqualTo(400);
        // The rewound source reads the file again: the sink writes its lines a second time.
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(output)
                .equals(List.of("one", "two", "three", "one", "two", "three")));

        RestClient.Response patched = follower.patch("/connectors/sink/config", Map.of("tasks.max", "1"));
        assertThat(patched.status()).as("%s", patched.body()).isEqualTo(200);
        assertThat(leader.get("/connectors/sink/config").body().path("file").asText()).isEqualTo(output.toString());

        assertThat(follower.delete("/connectors/sink").status()).isEqualTo(204);
        for (RestClient rest : List.of(leader, follower)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> rest.get("/connectors/sink").status() == 404);
        }
        assertThat(follower.delete("/connectors/sink").status()).isEqualTo(404);

        Map<String, String> records = readTopic("dist-it-configs", 1);
        assertThat(JSON.readTree(records.get("connector-src")).path("properties").path("connector.class").asText())
                .isEqualTo("FileStreamSource");
        assertThat(JSON.readTree(records.get("connector-src")).size()).isEqualTo(1);
        assertThat(JSON.readTree(records.get("task-src-0")).path("properties").path("task.class").asText())
                .isEqualTo("org.apache.kafka.connect.file.FileStreamSourceTask");
        assertThat(records.get("commit-src")).isEqualTo("{\"tasks\":1}");
        assertThat(records.get("target-state-src")).isEqualTo("{\"state\":\"STARTED\",\"state.v2\":\"STARTED\"}");
        assertThat(records).containsEntry("connector-sink", null).containsEntry("target-state-sink", null);
        assertThat(records).containsKey("restart-connector-src");
        assertThat(records.get("restart-connector-src")).isEqualTo("{\"include-tasks\":true,\"only-failed\":false}");
        assertThat(history).contains("{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}",
                "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}", "{\"tasks\":0}");
    }

    /** Every value ever written to the config topic, in order (for states overwritten since). */
    final List<String> history = new ArrayList<>();

    /** A topic read with a plain consumer: the latest value of each key (null for a tombstone). */
    private Map<String, String> readTopic(String topic, int partitions) {
        Map<String, String> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 15_000;
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), record.value());
                    history.add(record.value());
                }
            }
        }
        return latest;
    }

    /** The group's internal topics, made ahead so that workers starting together do not all race to create them. */
    static void createInternalTopics(TestBroker broker, String group) {
        Map<String, String> compact = Map.of("cleanup.policy", "compact");
        broker.createTopic(group + "-configs", 1, compact);
        broker.createTopic(group + "-offsets", 5, compact);
        broker.createTopic(group + "-status", 5, compact);
    }

    static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }

    static void awaitState(RestClient rest, String connector, String connectorState, String taskState) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            RestClient.Response response = rest.get("/connectors/" + connector + "/status");
            assertThat(response.status()).isEqualTo(200);
            JsonNode status = response.body();
            assertThat(status.path("connector").path("state").asText()).isEqualTo(connectorState);
            assertThat(status.path("tasks")).isNotEmpty();
            status.path("tasks").forEach(t -> assertThat(t.path("state").asText()).isEqualTo(taskState));
        });
    }
}
