package io.sluice.broker.cluster;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * As in Kafka, {@code __transaction_state} is created only once as many brokers are live as its
 * replication factor: a cluster that is missing brokers answers COORDINATOR_NOT_AVAILABLE (clients
 * wait) rather than creating a topic that would stay under-replicated for good.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InternalTopicCreationIT {
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theTransactionLogWaitsForItsReplicationFactorWorthOfBrokers() throws Exception {
        cluster = TestCluster.start(3, Map.of(BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "3",
                BrokerConfig.TRANSACTION_STATE_LOG_REPLICATION_FACTOR, "3"));
        cluster.kill(1);
        cluster.kill(2);
        try (KafkaProducer<String, String> early = cluster.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "too-early", ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000))) {
            assertThatThrownBy(early::initTransactions).isInstanceOf(TimeoutException.class);
        }
        try (Admin admin = cluster.admin()) {
            assertThat(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get())
                    .doesNotContain(Topic.TRANSACTION_STATE_TOPIC_NAME);
        }

        cluster.restart(1);
        cluster.restart(2);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "in-time", ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("after", "k", "v")).get();
            producer.commitTransaction();
        }
        try (Admin admin = cluster.admin()) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                TopicDescription d = admin.describeTopics(List.of(Topic.TRANSACTION_STATE_TOPIC_NAME)).allTopicNames()
                        .get().get(Topic.TRANSACTION_STATE_TOPIC_NAME);
                assertThat(d.partitions()).hasSize(3);
                for (TopicPartitionInfo p : d.partitions()) {
                    assertThat(p.replicas()).hasSize(3);
                }
            });
        }
    }
}
