package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient;
import io.sluice.connect.rest.RestClient.Response;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Exactly-once sources on a standalone worker: connector-defined transactions whose aborted batches never reach a
 * read_committed reader (nor the offsets), offsets kept in the offsets topic in Kafka Connect's record format, and
 * the exactly-once preflight checks with Kafka's messages.
 */
class ExactlyOnceSourceIT {
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

    private ConnectStandalone startWorker(String offsetsTopic) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrap());
        settings.put("plugin.path", ConnectStandaloneIT.PLUGIN_PATH.toString());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        settings.put("exactly.once.source.support", "enabled");
        settings.put("offset.storage.topic", offsetsTopic);
        settings.put("offset.storage.partitions", "3");
        settings.put("offset.storage.replication.factor", "1");
        return ConnectStandalone.start(settings, List.of());
    }

    @Test
    void abortedTransactionsAreInvisibleToReadCommittedAndTheirOffsetsAreNotKept() throws Exception {
        broker.createTopic("tx-out", 1, Map.of());
        connect = startWorker("tx-offsets");
        RestClient rest = new RestClient(connect.url());
        Map<String, String> config = Map.of("connector.class", "TransactionalTestSource", "topic", "tx-out",
                "records", "100", "batch", "10", "transaction.boundary", "connector",
                "exactly.once.support", "required");
        assertThat(rest.post("/connectors", Map.of("name", "tx-source", "config", config)).status()).isEqualTo(201);

        // Batches 0-9, 20-29, ... commit; 10-19, 30-39, ... abort; the last one (90-99) aborts.
        List<String> kept = IntStream.range(0, 100).filter(i -> (i / 10) % 2 == 0).mapToObj(i -> "keep-" + i)
                .collect(Collectors.toList());
        List<String> committed = TopicReader.read(broker, "tx-out", "read_committed", 50);
        assertThat(committed).isEqualTo(kept);
        List<String> everything = TopicReader.read(broker, "tx-out", "read_uncommitted", 100);
        assertThat(everything).hasSize(100).contains("drop-10", "drop-99");

        // The offset is the last committed record's; an aborted batch's offsets were in its transaction.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode offsets = rest.get("/connectors/tx-source/offsets").body().get("offsets");
            assertThat(offsets).hasSize(1);
            assertThat(offsets.get(0).get("partition").get("source").asText()).isEqualTo("test");
            assertThat(offsets.get(0).get("offset").get("position").asLong()).isEqualTo(89);
        });
        // Kafka Connect's record format in the offsets topic, placed by murmur2 of the key as Kafka does.
        List<ConsumerRecord<byte[], byte[]>> records = readRaw("tx-offsets", 3);
        assertThat(records).isNotEmpty();
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        String key = new String(last.key(), StandardCharsets.UTF_8);
        assertThat(key).isEqualTo("[\"tx-source\",{\"source\":\"test\"}]");
        assertThat(new String(last.value(), StandardCharsets.UTF_8)).isEqualTo("{\"position\":89}");
        assertThat(last.partition()).isEqualTo(Utils.toPositive(Utils.murmur2(last.key())) % 3);
    }

    @Test
    void aConnectorWithItsOwnOffsetsTopicCommitsItsOffsetsThere() throws Exception {
        broker.createTopic("own-out", 1, Map.of());
        connect = startWorker("worker-offsets");
        RestClient rest = new RestClient(connect.url());
        Map<String, String> config = Map.of("connector.class", "TransactionalTestSource", "topic", "own-out",
                "records", "20", "batch", "10", "offsets.storage.topic", "own-offsets");
        assertThat(rest.post("/connectors", Map.of("name", "own", "config", config)).status()).isEqualTo(201);

        // transaction.boundary=poll: every batch commits, whatever its records are called.
        assertThat(TopicReader.read(broker, "own-out", "read_committed", 20)).hasSize(20);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rest.get("/connectors/own/offsets")
                .body().get("offsets").get(0).get("offset").get("position").asLong()).isEqualTo(19));
        List<ConsumerRecord<byte[], byte[]>> own = readRaw("own-offsets", 3);
        assertThat(own).isNotEmpty();
        assertThat(new String(own.get(own.size() - 1).value(), StandardCharsets.UTF_8)).isEqualTo("{\"position\":19}");
        assertThat(readRaw("worker-offsets", 3)).isEmpty();
    }

    @Test
    void shrinkingTheTaskCountFencesTheTransactionalIdsThatAreGone() throws Exception {
        broker.createTopic("shrink-out", 1, Map.of());
        connect = startWorker("shrink-offsets");
        RestClient rest = new RestClient(connect.url());
        Map<String, String> config = new HashMap<>(Map.of("connector.class", "TransactionalTestSource",
                "topic", "shrink-out", "records", "0", "tasks.max", "2"));
        assertThat(rest.put("/connectors/shrink/config", config).status()).isEqualTo(201);
        // RUNNING: past initTransactions, so the zombie below is the newest instance of task 1 until the shrink.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode tasks = rest.get("/connectors/shrink/status").body().get("tasks");
            return tasks.size() == 2 && tasks.get(0).get("state").asText().equals("RUNNING")
                    && tasks.get(1).get("state").asText().equals("RUNNING");
        });

        // A zombie of task 1 (say, a worker that lost its tasks but not its connection) with a transaction open.
        Map<String, Object> zombieSettings = Map.of("transactional.id", "connect-standalone-shrink-1");
        try (KafkaProducer<String, String> zombie = broker.producer(zombieSettings)) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>("shrink-out", "zombie")).get(10, TimeUnit.SECONDS);

            config.put("tasks.max", "1");
            assertThat(rest.put("/connectors/shrink/config", config).status()).isEqualTo(200);
            assertThat(rest.get("/connectors/shrink/tasks").body()).hasSize(1);
            // Fenced: the commit fails and the zombie's record never shows.
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
        }
        try (KafkaProducer<String, String> after = broker.producer(Map.of())) {
            after.send(new ProducerRecord<>("shrink-out", "after")).get(10, TimeUnit.SECONDS);
        }
        assertThat(TopicReader.read(broker, "shrink-out", "read_uncommitted", 2)).containsExactly("zombie", "after");
        assertThat(TopicReader.read(broker, "shrink-out", "read_committed", 1)).containsExactly("after");
    }

    @Test
    void exactlyOncePreflightChecksUseKafkasMessages() {
        connect = startWorker("preflight-offsets");
        RestClient rest = new RestClient(connect.url());
        Map<String, String> base = Map.of("connector.class", "TransactionalTestSource", "topic", "x",
                "exactly.once.support", "required");

        Response noAnswer = rest.post("/connectors", Map.of("name", "a", "config", with(base, "eos.support", "null")));
        assertThat(noAnswer.status()).isEqualTo(400);
        assertThat(noAnswer.body().get("message").asText()).contains("The connector does not implement the API "
                + "required for preflight validation of exactly-once source support.");
        Response unsupported = rest.post("/connectors", Map.of("name", "b", "config",
                with(base, "eos.support", "unsupported")));
        assertThat(unsupported.status()).isEqualTo(400);
        assertThat(unsupported.body().get("message").asText())
                .contains("The connector does not support exactly-once semantics with the provided configuration.");
        Response boundaries = rest.post("/connectors", Map.of("name", "c", "config", with(with(base,
                "exactly.once.support", "requested"), "eos.support", "unsupported", "transaction.boundary", "connector")));
        assertThat(boundaries.status()).isEqualTo(400);
        assertThat(boundaries.body().get("message").asText())
                .contains("The connector does not support connector-defined transaction boundaries");
        Response badBoundary = rest.post("/connectors", Map.of("name", "d", "config",
                with(base, "transaction.boundary", "sometimes")));
        assertThat(badBoundary.status()).isEqualTo(400);
        assertThat(badBoundary.body().get("message").asText()).contains("transaction.boundary");
        assertThat(rest.get("/connectors").body()).isEmpty();

        connect.close();
        Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrap(),
                "listeners", "http://127.0.0.1:0", "offset.storage.file.filename", dir.resolve("o").toString()));
        connect = ConnectStandalone.start(settings, List.of());
        Response disabled = new RestClient(connect.url()).post("/connectors", Map.of("name", "e", "config", base));
        assertThat(disabled.status()).isEqualTo(400);
        assertThat(disabled.body().get("message").asText())
                .contains("This worker does not have exactly-once source support enabled.");
    }

    private static Map<String, String> with(Map<String, String> base, String... keyValues) {
        Map<String, String> copy = new HashMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            copy.put(keyValues[i], keyValues[i + 1]);
        }
        return copy;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, int partitions) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer("raw-" + UUID.randomUUID(),
                Map.of("isolation.level", "read_committed"))) {
            List<TopicPartition> all = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.currentTimeMillis() + 3_000;
            while (System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
