package io.sluice.broker.durability;

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

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker in a child JVM is SIGKILLed while a producer (acks=all) is writing; after a restart over
 * the same data every acknowledged record is readable at the offset it was acknowledged with, and
 * the same producer carries on; offsets a group committed before the kill are intact.
 */
class KillDuringProduceIT {

    private static void commitOffsets(ChildBroker broker, Map<TopicPartition, Long> offsets) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "survivor");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            Map<TopicPartition, OffsetAndMetadata> commit = new java.util.HashMap<>();
            offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
            consumer.commitSync(commit);
        }
    }

    @Test
    void acknowledgedRecordsSurviveSigkill(@TempDir Path tmp) throws Exception {
        String topic = "durable";
        int partitions = 3;
        try (ChildBroker broker = new ChildBroker(tmp.resolve("data"), Map.of("log.segment.bytes", "65536"))) {
            broker.start();
            Properties adminProps = new Properties();
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            try (Admin admin = Admin.create(adminProps)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
            // record id → "partition:offset" for every acknowledged send
            Map<Integer, String> acked = new ConcurrentHashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            int total = 60_000;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < total; i++) {
                        int id = i;
                        producer.send(new ProducerRecord<>(topic, "key-" + (id % 97), "record-" + id), (md, e) -> {
                            if (e == null) {
                                acked.put(id, md.partition() + ":" + md.offset());
                            } else {
                                failed.incrementAndGet();
                                firstFailure.compareAndSet(null, e);
                            }
                        });
                        if (i % 1000 == 0) {
                            try {
                                Thread.sleep(5);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                });
                writer.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() > 15_000);
                commitOffsets(broker, Map.of(new TopicPartition(topic, 0), 1234L, new TopicPartition(topic, 2), 77L));
                broker.kill();
                int ackedAtKill = acked.size();
                broker.start();
                writer.join(180_000);
                producer.flush();
                assertThat(acked.size()).isGreaterThan(ackedAtKill);
            }
            assertThat(failed.get()).as("failed sends (first: %s)", firstFailure.get()).isZero();

            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            Map<String, Integer> stored = new ConcurrentHashMap<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                        new TopicPartition(topic, 2));
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                Map<TopicPartition, Long> end = consumer.endOffsets(tps);
                long deadline = System.currentTimeMillis() + 60_000;
                while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                        && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        Integer previous = stored.put(r.partition() + ":" + r.offset(), Integer.parseInt(r.value().substring(7)));
                        assertThat(previous).as("offset read twice").isNull();
                    }
                }
            }
            // Offsets committed before the kill are intact, and a group member resumes from them.
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "survivor");
            try (KafkaConsumer<String, String> member = new KafkaConsumer<>(c)) {
                TopicPartition p0 = new TopicPartition(topic, 0);
                TopicPartition p2 = new TopicPartition(topic, 2);
                Map<TopicPartition, OffsetAndMetadata> committed = member.committed(Set.of(p0, p2));
                assertThat(committed.get(p0).offset()).isEqualTo(1234L);
                assertThat(committed.get(p2).offset()).isEqualTo(77L);
                member.subscribe(List.of(topic));
                await().atMost(Duration.ofSeconds(30)).until(() -> member.poll(Duration.ofMillis(100)).records(p0)
                        .stream().findFirst().map(r -> r.offset() == 1234L).orElse(false));
            }
            // The idempotent producer's retries across the kill stored nothing twice.
            assertThat(acked).hasSize(total);
            assertThat(stored).hasSize(total);
            assertThat(new java.util.HashSet<>(stored.values())).hasSize(total);
            for (Map.Entry<Integer, String> e : acked.entrySet()) {
                assertThat(stored.get(e.getValue())).as("record %d acknowledged at %s", e.getKey(), e.getValue())
                        .isEqualTo(e.getKey());
            }
        }
    }
}
