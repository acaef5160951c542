package io.sluice.broker.group;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Consumer groups through the real KafkaConsumer: assignors, static membership, offsets across restarts. */
class ConsumerGroupsIT {
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("groups", 4, Map.of());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 400; i++) {
                producer.send(new ProducerRecord<>("groups", "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static void pollUntilAssigned(KafkaConsumer<String, String> consumer, int partitions) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(100));
            return consumer.assignment().size() == partitions;
        });
    }

    @Test
    void cooperativeStickyAndRoundRobinSplitPartitions() {
        for (String assignor : List.of(CooperativeStickyAssignor.class.getName(), RoundRobinAssignor.class.getName())) {
            String group = "assign-" + assignor.hashCode();
            Map<String, Object> props = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
            try (KafkaConsumer<String, String> a = broker.consumer(group, props);
                 KafkaConsumer<String, String> b = broker.consumer(group, props)) {
                a.subscribe(List.of("groups"));
                pollUntilAssigned(a, 4);
                b.subscribe(List.of("groups"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    a.poll(Duration.ofMillis(50));
                    b.poll(Duration.ofMillis(50));
                    return a.assignment().size() == 2 && b.assignment().size() == 2;
                });
                Set<TopicPartition> all = new HashSet<>(a.assignment());
                all.addAll(b.assignment());
                assertThat(all).hasSize(4);
            }
        }
    }

    @Test
    void staticMemberRejoinsWithoutRebalance() {
        Map<String, Object> props = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-1",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
        int generation;
        Set<TopicPartition> assigned;
        try (KafkaConsumer<String, String> first = broker.consumer("static-group", props)) {
            first.subscribe(List.of("groups"));
            pollUntilAssigned(first, 4);
            generation = first.groupMetadata().generationId();
            assigned = first.assignment();
        }
        try (KafkaConsumer<String, String> second = broker.consumer("static-group", props)) {
            second.subscribe(List.of("groups"));
            pollUntilAssigned(second, 4);
            assertThat(second.assignment()).isEqualTo(assigned);
            assertThat(second.groupMetadata().generationId()).isEqualTo(generation);
        }
    }

    @Test
    void committedOffsetsSurviveBrokerRestart() {
        TopicPartition tp = new TopicPartition("groups", 1);
        try (KafkaConsumer<String, String> consumer = broker.consumer("durable-offsets", Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            consumer.subscribe(List.of("groups"));
            pollUntilAssigned(consumer, 4);
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(42, "meta")));
        }
        broker.restart();
        try (KafkaConsumer<String, String> consumer = broker.consumer("durable-offsets", Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(tp));
            assertThat(committed.get(tp).offset()).isEqualTo(42);
            assertThat(committed.get(tp).metadata()).isEqualTo("meta");
            consumer.subscribe(List.of("groups"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.partition() == 1) {
                        assertThat(r.offset()).isGreaterThanOrEqualTo(42);
                        return true;
                    }
                }
                return false;
            });
        }
    }
}
