package io.sluice.connect;

import io.sluice.connect.rest.RestClient;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.serde.KafkaAvroDeserializer;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** connect-file 4.3.1 through Avro: source → Avro records in the topic, schemas in the registry → sink. */
class ConnectAvroIT {
    static TestBroker broker;
    static RegistryServer registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        Map<String, String> settings = new HashMap<>();
        settings.put(RegistryConfig.LISTENERS, "http://127.0.0.1:0");
        settings.put(RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap());
        settings.put(RegistryConfig.TOPIC_REPLICATION_FACTOR, "1");
        registry = RegistryServer.start(RegistryConfig.of(settings));
        await().atMost(Duration.ofSeconds(30)).until(registry::isLeader);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        broker.close();
    }

    @Test
    void fileSourceToAvroTopicToFileSink() throws Exception {
        broker.createTopic("avro-lines", 1, Map.of());
        Path input = dir.resolve("in.txt");
        Path output = dir.resolve("out.txt");
        Files.write(input, List.of("alpha", "beta", "gamma"));
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", broker.bootstrap());
        worker.put("plugin.path", Path.of("target/plugins").toAbsolutePath().toString());
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        worker.put("offset.flush.interval.ms", "500");
        worker.put("key.converter", "io.sluice.connect.converters.AvroConverter");
        worker.put("key.converter.schema.registry.url", registry.url());
        worker.put("value.converter", "io.sluice.connect.converters.AvroConverter");
        worker.put("value.converter.schema.registry.url", registry.url());
        try (ConnectStandalone connect = ConnectStandalone.start(worker, List.of())) {
            RestClient rest = new RestClient(connect.url());
            assertThat(rest.post("/connectors", Map.of("name", "avro-source", "config", Map.of(
                    "connector.class", "FileStreamSource", "file", input.toString(), "topic", "avro-lines")))
                    .status()).isEqualTo(201);
            // the sink names Confluent's converter class, as a config written for Confluent Platform would
            assertThat(rest.post("/connectors", Map.of("name", "avro-sink", "config", Map.of(
                    "connector.class", "FileStreamSink", "file", output.toString(), "topics", "avro-lines",
                    "value.converter", "io.confluent.connect.avro.AvroConverter",
                    "value.converter.schema.registry.url", registry.url())))
                    .status()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 3);
            assertThat(readLines(output)).containsExactly("alpha", "beta", "gamma");
        }

        CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(registry.url(), 10);
        assertThat(client.getAllSubjects()).contains("avro-lines-value");
        assertThat(client.getLatestSchemaMetadata("avro-lines-value").schema()).isEqualTo("\"string\"");
        List<Object> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null, Map.of());
             KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(client)) {
            TopicPartition partition = new TopicPartition("avro-lines", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + 10_000;
            while (values.size() < 3 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(record.value()[0]).isZero();
                    assertThat(record.key()).isNull();
                    values.add(deserializer.deserialize("avro-lines", record.value()));
                }
            }
        }
        assertThat(values).containsExactly("alpha", "beta", "gamma");
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
