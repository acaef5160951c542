package io.sluice.broker.replication;

import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.testkit.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three brokers in child JVMs sharing a ZooKeeper: SIGKILL of the partition leader during an acks=all,
 * RF=3, min.insync.replicas=2 idempotent produce load loses no acknowledged record and duplicates none;
 * the killed broker (its ZooKeeper session expires on its own) comes back and rejoins the ISR with a
 * byte-identical log.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SigkillLeaderIT {
    @TempDir
    Path dir;

    @Test
    void sigkillOfTheLeaderUnderAcksAllLosesNothing() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0)) {
            List<ChildBroker> brokers = new ArrayList<>();
            try {
                for (int id = 0; id < 3; id++) {
                    brokers.add(new ChildBroker(dir.resolve("broker-" + id), Map.of("broker.id", String.valueOf(id),
                            "zookeeper.connect", zk.connectString(), "zookeeper.session.timeout.ms", "6000")));
                }
                for (ChildBroker b : brokers) {
                    b.start();
                }
                String bootstrap = brokers.stream().map(ChildBroker::bootstrap).collect(Collectors.joining(","));
                String topic = "sigkill";
                TopicPartition tp = new TopicPartition(topic, 0);
                try (Admin admin = admin(bootstrap)) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                                .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2")))).all().get();
                    });
                    awaitIsr(admin, topic, 3);
                    int leader = describe(admin, topic).leader().id();

                    int total = 5000;
                    Set<String> acked = ConcurrentHashMap.newKeySet();
                    AtomicInteger failed = new AtomicInteger();
                    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                        for (int i = 0; i < total; i++) {
                            String value = "v" + i;
                            producer.send(new ProducerRecord<>(topic, 0, "k" + i, value), (md, e) -> {
                                if (e == null) {
                                    acked.add(value);
                                } else {
                                    failed.incrementAndGet();
                                }
                            });
                            if (i == total / 3) {
                                await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > total / 6);
                                brokers.get(leader).kill();
                            }
                            if (i % 100 == 0) {
                                Thread.sleep(5);
                            }
                        }
                        producer.flush();
                    }
                    assertThat(acked.size() + failed.get()).isEqualTo(total);
                    assertThat(acked.size()).isGreaterThan(total / 2);
                    assertThat(describe(admin, topic).leader().id()).isNotEqualTo(leader);

                    List<String> consumed = consume(bootstrap, tp, acked.size());
                    assertThat(new HashSet<>(consumed)).containsAll(acked);
                    assertThat(consumed).doesNotHaveDuplicates();

                    brokers.get(leader).start();
                    awaitIsr(admin, topic, 3);
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        byte[] first = segments(dir.resolve("broker-0").resolve(topic + "-0"));
                        assertThat(first).isNotEmpty();
                        for (int id = 1; id < 3; id++) {
                            assertThat(segments(dir.resolve("broker-" + id).resolve(topic + "-0"))).isEqualTo(first);
                        }
                    });
                }
            } finally {
                for (ChildBroker b : brokers) {
                    b.close();
                }
            }
        }
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    private static TopicPartitionInfo describe(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return d.partitions().get(0);
    }

    private static void awaitIsr(Admin admin, String topic, int size) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> {
                    TopicPartitionInfo info = describe(admin, topic);
                    assertThat(info.leader()).isNotNull();
                    assertThat(info.isr()).hasSize(size);
                });
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 90_000);
        return new KafkaProducer<>(p);
    }

    private static List<String> consume(String bootstrap, TopicPartition tp, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 60_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    private static byte[] segments(Path partitionDir) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var files = Files.list(partitionDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                out.write(Files.readAllBytes(p));
            }
        }
        return out.toByteArray();
    }
}
