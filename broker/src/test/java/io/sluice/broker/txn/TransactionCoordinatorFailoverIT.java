package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three brokers, {@code __transaction_state} with 3 replicas and min ISR 2: transactions whose
 * partitions are led by other brokers than their coordinator are committed through WriteTxnMarkers,
 * and the death of the coordinator's broker neither loses what a client was told nor leaves
 * transactions hanging — the new leader of the id's partition takes over its state.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TransactionCoordinatorFailoverIT {
    private static final String TOPIC = "txn-out";
    private TestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startCluster() {
        cluster = TestCluster.start(3, Map.of(
                BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "3",
                BrokerConfig.TRANSACTION_STATE_LOG_REPLICATION_FACTOR, "3",
                BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR, "3",
                BrokerConfig.REPLICA_LAG_TIME_MAX_MS, "5000",
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS, "500"));
        cluster.createTopic(TOPIC, 3, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
    }

    @Test
    void anOpenTransactionIsCommittedThroughTheNewCoordinatorAfterTheOldOneDies() throws Exception {
        startCluster();
        String id = "failover-commit";
        Set<String> expected = new HashSet<>();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000))) {
            producer.initTransactions();
            commitBatch(producer, "first", expected);

            int coordinator;
            try (Admin admin = cluster.admin()) {
                coordinator = describe(admin, id).coordinatorId();
                // Markers went to partitions led elsewhere: the commit needed WriteTxnMarkers.
                assertThat(leaders(admin)).anyMatch(leader -> leader != coordinator);
            }
            assertThat(readCommitted(expected.size())).containsExactlyInAnyOrderElementsOf(expected);

            producer.beginTransaction();
            List<String> open = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String value = "second-" + i;
                producer.send(new ProducerRecord<>(TOPIC, i % 3, "k" + i, value)).get();
                open.add(value);
            }
            cluster.kill(coordinator);
            // The new coordinator knows the transaction and its partitions from the replicated log.
            producer.commitTransaction();
            expected.addAll(open);

            try (Admin admin = cluster.admin()) {
                TransactionDescription after = describe(admin, id);
                assertThat(after.coordinatorId()).isNotEqualTo(coordinator);
            }
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "aborted")).get();
            producer.abortTransaction();

            cluster.restart(coordinator);
            commitBatch(producer, "third", expected);
        }
        List<String> seen = readCommitted(expected.size());
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void theNewCoordinatorAbortsATransactionItsProducerAbandoned() throws Exception {
        startCluster();
        String id = "failover-abandoned";
        KafkaProducer<String, String> abandoned = cluster.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 4_000));
        abandoned.initTransactions();
        abandoned.beginTransaction();
        for (int p = 0; p < 3; p++) {
            abandoned.send(new ProducerRecord<>(TOPIC, p, "k", "never-committed")).get();
        }
        int coordinator;
        try (Admin admin = cluster.admin()) {
            coordinator = describe(admin, id).coordinatorId();
        }
        abandoned.close(Duration.ZERO);
        cluster.kill(coordinator);

        // Another producer writes after the abandoned batch: read_committed readers get it only once
        // the new coordinator aborted the abandoned transaction (the LSO is stuck until then).
        Set<String> expected = new HashSet<>();
        try (KafkaProducer<String, String> other = cluster.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "failover-other"))) {
            other.initTransactions();
            commitBatch(other, "after", expected);
        }
        assertThat(readCommitted(expected.size())).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        try (Admin admin = cluster.admin()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(describe(admin, id).state())
                            .isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_ABORT));
        }
    }

    private static void commitBatch(KafkaProducer<String, String> producer, String prefix, Set<String> expected) {
        producer.beginTransaction();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String value = prefix + "-" + i;
            producer.send(new ProducerRecord<>(TOPIC, i % 3, "k" + i, value));
            values.add(value);
        }
        producer.commitTransaction();
        expected.addAll(values);
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> admin.describeTransactions(List.of(id)).description(id).get(), d -> d != null);
    }

    private static List<Integer> leaders(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        return d.partitions().stream().map(TopicPartitionInfo::leader).map(n -> n.id()).toList();
    }

    /** Reads the topic read_committed until {@code expected} values came and then nothing more. */
    private List<String> readCommitted(int expected) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> tps = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1),
                    new TopicPartition(TOPIC, 2));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
            long quiet = System.currentTimeMillis() + 1_500;
            while (System.currentTimeMillis() < quiet) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
