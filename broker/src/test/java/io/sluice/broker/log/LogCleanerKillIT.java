package io.sluice.broker.log;

import io.sluice.testkit.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker in a child JVM is SIGKILLed again and again while its cleaner works through a compacted topic
 * (throttled and with a small offset map, so a cleaning spans several swaps and passes); after each start
 * the latest acknowledged value of every key is still there.
 */
class LogCleanerKillIT {
    private static final String TOPIC = "compacted-kill";
    private static final int KEYS = 3000;
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path root;

    @Test
    void sigkillDuringCleaningLosesNothing() throws Exception {
        Path data = root.resolve("data");
        Files.createDirectories(data);
        Map<String, String> overrides = Map.of(
                "log.cleaner.backoff.ms", "50",
                "log.cleaner.dedupe.buffer.size", String.valueOf(1000 * SkimpyOffsetMap.BYTES_PER_ENTRY),
                "log.cleaner.io.max.bytes.per.second", String.valueOf(3_000_000));
        Map<String, String> latest = new HashMap<>();
        Random random = new Random(7);
        try (ChildBroker broker = new ChildBroker(data, overrides)) {
            broker.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                        "cleanup.policy", "compact", "segment.bytes", "65536",
                        "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0")))).all().get();
            }
            for (int round = 0; round < 4; round++) {
                produce(broker, round, latest);
                Thread.sleep(300 + random.nextInt(1200));
                broker.kill();
                broker.start();
                assertThat(readLatest(broker)).as("after kill %d", round).isEqualTo(latest);
            }
            String brokerLog = Files.readString(broker.logFile());
            assertThat(brokerLog).contains("Cleaned " + TOPIC + "-0");
        }
    }

    private static void produce(ChildBroker broker, int round, Map<String, String> latest) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        String pad = "p".repeat(200);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            // every key twice per round, so each round leaves plenty to clean
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < KEYS; k++) {
                    String key = "key-" + k;
                    String value = "r" + round + "-p" + pass + "-" + pad;
                    producer.send(new ProducerRecord<>(TOPIC, key, value));
                    latest.put(key, value);
                }
            }
            producer.flush();
        }
    }

    private static Map<String, String> readLatest(ChildBroker broker) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, String> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long end = consumer.endOffsets(List.of(TP), Duration.ofSeconds(30)).get(TP);
            long deadline = System.currentTimeMillis() + 60_000;
            while (consumer.position(TP, Duration.ofSeconds(30)) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    seen.put(r.key(), r.value());
                }
            }
        }
        return seen;
    }
}
