package io.sluice.connect;

import io.sluice.connect.rest.RestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

/** Converters, transforms with predicates, and the sink's read_committed consumer, with connect-file 4.3.1. */
class ConnectConvertersIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    ConnectStandalone connect;

    private void startWorker() {
        Map<String, String> settings = WorkerFixture.settings(workers.broker(), dir);
        settings.put("offset.flush.interval.ms", "500");
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        connect = workers.start(settings, List.of());
    }

    @Test
    void jsonWithSchemasAndARoutingTransformGuardedByAPredicate() throws Exception {
        workers.broker().createTopic("raw-lines", 1, Map.of());
        workers.broker().createTopic("json-lines", 1, Map.of());
        Path input = dir.resolve("in.txt");
        Path output = dir.resolve("out.txt");
        Files.write(input, List.of("alpha", "beta"));
        startWorker();
        RestClient rest = new RestClient(connect.url());

        Map<String, String> source = new HashMap<>();
        source.put("connector.class", "FileStreamSource");
        source.put("file", input.toString());
        source.put("topic", "raw-lines");
        source.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        source.put("value.converter.schemas.enable", "true");
        source.put("transforms", "route");
        source.put("transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter");
        source.put("transforms.route.regex", "raw-(.*)");
        source.put("transforms.route.replacement", "json-$1");
        source.put("transforms.route.predicate", "isRaw");
        source.put("predicates", "isRaw");
        source.put("predicates.isRaw.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        source.put("predicates.isRaw.pattern", "raw-.*");
        assertThat(rest.post("/connectors", Map.of("name", "json-source", "config", source)).status()).isEqualTo(201);

        Map<String, String> sink = new HashMap<>();
        sink.put("connector.class", "FileStreamSink");
        sink.put("file", output.toString());
        sink.put("topics", "json-lines");
        sink.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        sink.put("value.converter.schemas.enable", "true");
        assertThat(rest.post("/connectors", Map.of("name", "json-sink", "config", sink)).status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 2);
        assertThat(readLines(output)).containsExactly("alpha", "beta");
        List<String> json = readTopic("json-lines", 2, Map.of());
        assertThat(json).containsExactly(
                "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"alpha\"}",
                "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"beta\"}");
        assertThat(readTopic("raw-lines", 0, Map.of())).isEmpty();
    }

    @Test
    void aSinkNeverSeesAbortedTransactions() throws Exception {
        workers.broker().createTopic("txn-lines", 1, Map.of());
        try (KafkaProducer<String, String> producer = workers.broker().producer(Map.of("transactional.id", "connect-it"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("txn-lines", "committed 1"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("txn-lines", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("txn-lines", "committed 2"));
            producer.commitTransaction();
        }
        Path output = dir.resolve("txn-out.txt");
        startWorker();
        RestClient rest = new RestClient(connect.url());
        assertThat(rest.put("/connectors/txn-sink/config", Map.of("connector.class", "FileStreamSink",
                "file", output.toString(), "topics", "txn-lines")).status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(output).size() >= 2);
        assertThat(readLines(output)).containsExactly("committed 1", "committed 2");
        assertThat(readTopic("txn-lines", 3, Map.of("isolation.level", "read_uncommitted"))).contains("aborted");
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static List<String> readTopic(String topic, int expected, Map<String, Object> extra) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = workers.broker().consumer(null, extra)) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 10_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
