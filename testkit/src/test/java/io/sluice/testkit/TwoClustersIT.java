package io.sluice.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TwoClustersIT {
    private static final String TOPIC = "orders";

    @Test
    void clustersAreIndependent() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(2, 1, Map.of())) {
            TestCluster source = clusters.source();
            TestCluster target = clusters.target();

            try (Admin a = source.admin(); Admin b = target.admin()) {
                assertThat(a.describeCluster().nodes().get()).hasSize(2);
                assertThat(b.describeCluster().nodes().get()).hasSize(1);
                assertThat(a.describeCluster().clusterId().get()).isNotEqualTo(b.describeCluster().clusterId().get());
            }

            // The same topic name on both, with different partition counts and contents.
            source.createTopic(TOPIC, 2, (short) 2, Map.of());
            target.createTopic(TOPIC, 1, (short) 1, Map.of());
            produce(source, "from-source", 10);
            produce(target, "from-target", 3);

            assertThat(consumeAll(source, 10)).hasSize(10).allMatch(v -> v.startsWith("from-source"));
            assertThat(consumeAll(target, 3)).hasSize(3).allMatch(v -> v.startsWith("from-target"));
            try (Admin b = target.admin()) {
                assertThat(b.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions()).hasSize(1);
            }
        }
    }

    private static void produce(TestCluster cluster, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "k" + i, prefix + "-" + i)).get();
            }
        }
    }

    /** Reads until {@code expected} records arrived, then one more poll to catch any extra. */
    private static List<String> consumeAll(TestCluster cluster, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of("group.id", "check"))) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.currentTimeMillis() + 30_000;
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
}
