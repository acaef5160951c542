package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient;
import io.sluice.connect.rest.RestClient.Response;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * KIP-875's {@code GET|PATCH|DELETE /connectors/{c}/offsets} on a standalone worker running Apache Kafka's
 * FileStreamSource (offsets in the exactly-once offsets topic) and FileStreamSink (offsets in its consumer group).
 */
class ConnectorOffsetsIT {
    static TestBroker broker;

    @TempDir
    Path dir;
    ConnectStandalone connect;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void stopWorker() {
        if (connect != null) {
            connect.close();
        }
    }

    private RestClient start(boolean exactlyOnce) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrap());
        settings.put("plugin.path", ConnectStandaloneIT.PLUGIN_PATH.toString());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        settings.put("offset.flush.interval.ms", "300");
        settings.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        if (exactlyOnce) {
            settings.put("exactly.once.source.support", "enabled");
            settings.put("offset.storage.topic", "offsets-it");
            settings.put("offset.storage.partitions", "3");
            settings.put("offset.storage.replication.factor", "1");
        }
        connect = ConnectStandalone.start(settings, List.of());
        return new RestClient(connect.url());
    }

    @Test
    void sourceOffsetsAreReadRewoundAndResetOnlyWhileStopped() throws Exception {
        broker.createTopic("offsets-lines", 1, Map.of());
        Path input = dir.resolve("in.txt");
        Files.write(input, lines(1, 10));
        RestClient rest = start(true);
        Map<String, String> source = Map.of("connector.class", "FileStreamSource", "file", input.toString(),
                "topic", "offsets-lines");
        assertThat(rest.post("/connectors", Map.of("name", "src", "config", source)).status()).isEqualTo(201);
        assertThat(TopicReader.read(broker, "offsets-lines", 10)).isEqualTo(lines(1, 10));

        long end = Files.size(input);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rest.get("/connectors/src/offsets")
                .body().get("offsets")).hasSize(1));
        JsonNode offset = rest.get("/connectors/src/offsets").body().get("offsets").get(0);
        assertThat(offset.get("partition").get("filename").asText()).isEqualTo(input.toString());
        assertThat(offset.get("offset").get("position").asLong()).isEqualTo(end);

        Response running = rest.delete("/connectors/src/offsets");
        assertThat(running.status()).isEqualTo(400);
        assertThat(running.body().get("message").asText()).isEqualTo("Connectors must be in the STOPPED state before "
                + "their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' "
                + "request to the '/connectors/src/stop' endpoint");
        assertThat(rest.patch("/connectors/src/offsets", rewind(input, 0)).status()).isEqualTo(400);
        Response unknown = rest.get("/connectors/nope/offsets");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("error_code").asInt()).isEqualTo(404);
        assertThat(rest.delete("/connectors/nope/offsets").status()).isEqualTo(404);

        // Rewind to the start of line 6: lines 6-10 are read again.
        assertThat(rest.put("/connectors/src/stop", null).status()).isEqualTo(204);
        long line6 = String.join("\n", lines(1, 5)).getBytes(StandardCharsets.UTF_8).length + 1;
        Response altered = rest.patch("/connectors/src/offsets", rewind(input, line6));
        assertThat(altered.status()).isEqualTo(200);
        assertThat(altered.body().get("message").asText()).contains("have been altered successfully");
        assertThat(rest.get("/connectors/src/offsets").body().get("offsets").get(0).get("offset").get("position")
                .asLong()).isEqualTo(line6);
        assertThat(rest.patch("/connectors/src/offsets", Map.of()).status()).isEqualTo(400);
        assertThat(rest.put("/connectors/src/resume", null).status()).isEqualTo(202);
        List<String> expected = new ArrayList<>(lines(1, 10));
        expected.addAll(lines(6, 10));
        assertThat(TopicReader.read(broker, "offsets-lines", 15)).isEqualTo(expected);

        // Reset: no offsets left, the whole file is read again.
        assertThat(rest.put("/connectors/src/stop", null).status()).isEqualTo(204);
        Response reset = rest.delete("/connectors/src/offsets");
        assertThat(reset.status()).isEqualTo(200);
        assertThat(reset.body().get("message").asText()).contains("have been reset successfully");
        assertThat(rest.get("/connectors/src/offsets").body().get("offsets")).isEmpty();
        rest.put("/connectors/src/resume", null);
        expected.addAll(lines(1, 10));
        assertThat(TopicReader.read(broker, "offsets-lines", 25)).isEqualTo(expected);
    }

    @Test
    void sinkOffsetsAreItsConsumerGroupsAndCanBeRewound() throws Exception {
        broker.createTopic("sink-lines", 1, Map.of());
        try (var producer = broker.producer(Map.of())) {
            for (String line : lines(1, 8)) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("sink-lines", line));
            }
        }
        Path output = dir.resolve("out.txt");
        RestClient rest = start(false);
        Map<String, String> sink = Map.of("connector.class", "FileStreamSink", "file", output.toString(),
                "topics", "sink-lines");
        assertThat(rest.post("/connectors", Map.of("name", "snk", "config", sink)).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 8);
        assertThat(rest.put("/connectors/snk/stop", null).status()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode offsets = rest.get("/connectors/snk/offsets").body().get("offsets");
            assertThat(offsets).hasSize(1);
            assertThat(offsets.get(0).get("partition").get("kafka_topic").asText()).isEqualTo("sink-lines");
            assertThat(offsets.get(0).get("partition").get("kafka_partition").asInt()).isZero();
            assertThat(offsets.get(0).get("offset").get("kafka_offset").asLong()).isEqualTo(8);
        });
        Map<String, Object> rewind = Map.of("offsets", List.of(Map.of(
                "partition", Map.of("kafka_topic", "sink-lines", "kafka_partition", 0),
                "offset", Map.of("kafka_offset", 5))));
        Response altered = rest.patch("/connectors/snk/offsets", rewind);
        assertThat(altered.status()).isEqualTo(200);
        assertThat(altered.body().get("message").asText()).contains("have been altered successfully");
        assertThat(rest.get("/connectors/snk/offsets").body().get("offsets").get(0).get("offset")
                .get("kafka_offset").asLong()).isEqualTo(5);
        Response bad = rest.patch("/connectors/snk/offsets", Map.of("offsets", List.of(Map.of(
                "partition", Map.of("kafka_partition", 0), "offset", Map.of("kafka_offset", 1)))));
        assertThat(bad.status()).isEqualTo(400);

        rest.put("/connectors/snk/resume", null);
        List<String> expected = new ArrayList<>(lines(1, 8));
        expected.addAll(lines(6, 8));
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 11);
        assertThat(readLines(output)).isEqualTo(expected);

        assertThat(rest.put("/connectors/snk/stop", null).status()).isEqualTo(204);
        Response reset = rest.delete("/connectors/snk/offsets");
        assertThat(reset.status()).isEqualTo(200);
        assertThat(rest.get("/connectors/snk/offsets").body().get("offsets")).isEmpty();
    }

    private static Map<String, Object> rewind(Path input, long position) {
        return Map.of("offsets", List.of(Map.of("partition", Map.of("filename", input.toString()),
                "offset", Map.of("position", position))));
    }

    private static List<String> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).collect(Collectors.toList());
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
