package io.sluice.broker.log;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retention and compaction as a consumer sees them. */
class RetentionAndCompactionIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(Map.of(
                "log.retention.check.interval.ms", "200",
                "log.cleaner.backoff.ms", "200"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static List<ConsumerRecord<String, String>> readAll(String topic) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    static long earliest(String topic) {
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return consumer.beginningOffsets(List.of(tp)).get(tp);
        }
    }

    @Test
    void timeRetentionDeletesOldSegmentsButKeepsTheActiveOne() throws Exception {
        String topic = "retained-by-time";
        broker.createTopic(topic, 1, Map.of("segment.bytes", "2048", "retention.ms", "60000"));
        long old = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, old, "k" + i, "old-" + i + "-".repeat(50))).get();
            }
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, 0, System.currentTimeMillis(), "k" + i, "new-" + i)).get();
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> earliest(topic) > 0);
        List<ConsumerRecord<String, String>> left = readAll(topic);
        assertThat(left).extracting(ConsumerRecord::value).contains("new-0", "new-4");
        assertThat(left.get(0).offset()).isEqualTo(earliest(topic));
        assertThat(left.size()).isLessThan(105);
    }

    @Test
    void sizeRetentionKeepsThePartitionNearItsLimit() throws Exception {
        String topic = "retained-by-size";
        broker.createTopic(topic, 1, Map.of("segment.bytes", "4096", "retention.bytes", "8192"));
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "payload-" + i + "-".repeat(100))).get();
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> earliest(topic) > 100);
        List<ConsumerRecord<String, String>> left = readAll(topic);
        assertThat(left).isNotEmpty();
        assertThat(left.get(left.size() - 1).value()).startsWith("payload-299-");
    }

    @Test
    void compactionKeepsTheLatestValuePerKeyAndDropsTombstones() throws Exception {
        String topic = "compacted";
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact", "segment.bytes", "2048",
                "delete.retention.ms", "0", "min.compaction.lag.ms", "0"));
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int round = 0; round < 30; round++) {
                for (int k = 0; k < 10; k++) {
                    producer.send(new ProducerRecord<>(topic, 0, "key-" + k, "round-" + round + "-".repeat(20))).get();
                }
            }
            producer.send(new ProducerRecord<String, String>(topic, 0, "key-0", null)).get();
            // Filler so that the records above are no longer in the active segment.
            for (int i = 0; i < 60; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "filler", "filler-" + i + "-".repeat(40))).get();
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, List<String>> byKey = new HashMap<>();
            List<Long> offsets = new ArrayList<>();
            for (ConsumerRecord<String, String> r : readAll(topic)) {
                byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                offsets.add(r.offset());
            }
            for (int k = 1; k < 10; k++) {
                assertThat(byKey.get("key-" + k)).containsExactly("round-29" + "-".repeat(20));
            }
            assertThat(byKey).doesNotContainKey("key-0");
            assertThat(offsets).isSorted();
        });
    }
}
