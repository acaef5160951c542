package io.sluice.broker.api.fetch;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real {@link KafkaConsumer}s, which use fetch sessions on their own: the broker's count of
 * incremental fetches shows that they do, and the records show that reading is unchanged through
 * assignment changes, seeks, a switch to a group subscription and a rebalance.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IncrementalFetchConsumerIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static FetchSessions sessions() {
        return broker.broker().fetchSessions();
    }

    /** A topic of three partitions with {@code perPartition} records "p-i" in each partition p. */
    private static String topicWithRecords(TestInfo test, int perPartition) throws Exception {
        String topic = test.getTestMethod().orElseThrow().getName();
        broker.createTopic(topic, 3, Map.of());
        produce(topic, 0, perPartition);
        return topic;
    }

    /** Records "p-from" .. "p-(to-1)" into each of the three partitions. */
    private static void produce(String topic, int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = from; i < to; i++) {
                for (int p = 0; p < 3; p++) {
                    producer.send(new ProducerRecord<>(topic, p, null, p + "-" + i));
                }
            }
            producer.flush();
        }
    }

    private static List<String> expected(int partition, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> partition + "-" + i).toList();
    }

    /** Polls until {@code count} records arrived, by partition, in the order received. */
    private static Map<Integer, List<String>> poll(KafkaConsumer<String, String> consumer, int count) {
        Map<Integer, List<String>> byPartition = new HashMap<>();
        int received = 0;
        long deadline = System.currentTimeMillis() + 60_000;
        while (received < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.value());
                received++;
            }
        }
        return byPartition;
    }

    @Test
    void aConsumerFetchesIncrementallyAndReadsEveryRecordInOrder(TestInfo test) throws Exception {
        String topic = topicWithRecords(test, 400);
        long incrementalBefore = sessions().incrementalFetchesServed();
        // Batches larger than the partition limit: only the first partition read may get a whole one,
        // the others must be answered with nothing rather than a part of one.
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4096))) {
            List<TopicPartition> all = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<Integer, List<String>> got = poll(consumer, 1200);
            for (int p = 0; p < 3; p++) {
                assertThat(got.get(p)).as("partition %d", p).containsExactlyElementsOf(expected(p, 0, 400));
            }
        }
        assertThat(sessions().incrementalFetchesServed()).as("incremental fetches served")
                .isGreaterThan(incrementalBefore);
    }

    @Test
    void assignmentChangesAndSeeksAreFollowedWithinOneSession(TestInfo test) throws Exception {
        String topic = topicWithRecords(test, 50);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        TopicPartition p2 = new TopicPartition(topic, 2);
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            consumer.assign(List.of(p0, p1));
            Map<Integer, List<String>> first = poll(consumer, 100);
            assertThat(first).containsOnlyKeys(0, 1);
            assertThat(first.get(1)).containsExactlyElementsOf(expected(1, 0, 50));
            long createdBefore = sessions().sessionsCreated();
            long incrementalBefore = sessions().incrementalFetchesServed();

            // p0 leaves the session, p2 joins it: forgotten and added partitions of incremental requests.
            consumer.assign(List.of(p1, p2));
            produce(topic, 50, 60);
            Map<Integer, List<String>> moved = poll(consumer, 70);
            assertThat(moved).containsOnlyKeys(1, 2);
            assertThat(moved.get(1)).containsExactlyElementsOf(expected(1, 50, 60));
            assertThat(moved.get(2)).containsExactlyElementsOf(expected(2, 0, 60));

            // A seek is a changed fetch offset of a partition already in the session.
            consumer.seek(p1, 5);
            assertThat(poll(consumer, 55).get(1)).containsExactlyElementsOf(expected(1, 5, 60));

            assertThat(sessions().incrementalFetchesServed()).isGreaterThan(incrementalBefore);
            assertThat(sessions().sessionsCreated()).as("the consumer kept its session").isEqualTo(createdBefore);
        }
    }

    @Test
    void aConsumerSwitchesFromAssignToSubscribe(TestInfo test) throws Exception {
        String topic = topicWithRecords(test, 30);
        try (KafkaConsumer<String, String> consumer = broker.consumer(test.getDisplayName(), Map.of())) {
            consumer.assign(List.of(new TopicPartition(topic, 1)));
            assertThat(poll(consumer, 30).get(1)).containsExactlyElementsOf(expected(1, 0, 30));
            consumer.unsubscribe();
            consumer.subscribe(List.of(topic));
            Map<Integer, List<String>> all = poll(consumer, 90);
            for (int p = 0; p < 3; p++) {
                assertThat(all.get(p)).as("partition %d", p).containsExactlyElementsOf(expected(p, 0, 30));
            }
        }
    }

    @Test
    void partitionsMovedByARebalanceAreReadOnFromTheCommittedOffsets(TestInfo test) throws Exception {
        String topic = topicWithRecords(test, 100);
        String group = test.getDisplayName();
        Map<String, Object> manualCommit = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> consumed = new ArrayList<>();
        try (KafkaConsumer<String, String> first = broker.consumer(group, manualCommit);
             KafkaConsumer<String, String> second = broker.consumer(group, manualCommit)) {
            first.subscribe(List.of(topic));
            poll(first, 300).values().forEach(consumed::addAll);
            first.commitSync();
            long incrementalBefore = sessions().incrementalFetchesServed();

            second.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while ((second.assignment().isEmpty() || first.assignment().size() == 3)
                    && System.currentTimeMillis() < deadline) {
                for (KafkaConsumer<String, String> c : List.of(first, second)) {
                    c.poll(Duration.ofMillis(100)).forEach(r -> consumed.add(r.value()));
                }
            }
            assertThat(second.assignment()).as("the rebalance gave the second member partitions").isNotEmpty();
            assertThat(first.assignment()).hasSizeLessThan(3);

            produce(topic, 100, 130);
            while (consumed.size() < 390 && System.currentTimeMillis() < deadline) {
                for (KafkaConsumer<String, String> c : List.of(first, second)) {
                    c.poll(Duration.ofMillis(100)).forEach(r -> consumed.add(r.value()));
                    c.commitSync();
                }
            }
            assertThat(sessions().incrementalFetchesServed()).isGreaterThan(incrementalBefore);
        }
        List<String> all = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            all.addAll(expected(p, 0, 130));
        }
        // Exactly once each: the moved partitions were read on from the offsets committed before the move.
        assertThat(consumed).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void withoutSessionSlotsConsumersFetchInFull(TestInfo test) throws Exception {
        try (TestBroker noSessions = TestBroker.start(Map.of(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, "0"))) {
            noSessions.createTopic("full-only", 1, Map.of());
            try (KafkaProducer<String, String> producer = noSessions.producer(Map.of())) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("full-only", 0, null, "0-" + i));
                }
            }
            try (KafkaConsumer<String, String> consumer = noSessions.consumer(null, Map.of(
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024))) {
                TopicPartition tp = new TopicPartition("full-only", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                assertThat(poll(consumer, 100).get(0)).containsExactlyElementsOf(expected(0, 0, 100));
            }
            assertThat(noSessions.broker().fetchSessions().sessionsCreated()).isZero();
            assertThat(noSessions.broker().fetchSessions().incrementalFetchesServed()).isZero();
        }
    }
}
