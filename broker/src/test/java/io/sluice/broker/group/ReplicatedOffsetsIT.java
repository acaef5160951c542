package io.sluice.broker.group;

import io.sluice.broker.replication.ReplicaManager;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Offset commits on three brokers, {@code __consumer_offsets} with three replicas and
 * min.insync.replicas 2, through the real KafkaConsumer: a commit is acknowledged only once the
 * followers of the group's offsets partition hold it, so it survives the coordinator's death.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplicatedOffsetsIT {
    private static final String TOPIC = "events";
    private static final TopicPartition EVENTS_0 = new TopicPartition(TOPIC, 0);
    /** TestCluster's offsets.topic.num.partitions. */
    private static final int OFFSETS_PARTITIONS = 3;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startCluster(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put("offsets.topic.replication.factor", "3");
        settings.put("min.insync.replicas", "2");
        cluster = TestCluster.start(3, settings);
        cluster.createTopic(TOPIC, 1, (short) 3, Map.of());
    }

    private static List<Integer> followers(TopicPartitionInfo partition) {
        return partition.replicas().stream().map(Node::id).filter(id -> id != partition.leader().id()).toList();
    }

    /** The group's {@code __consumer_offsets} partition once it has a leader, which coordinates the group, and this ISR. */
    private TopicPartitionInfo offsetsPartition(String group, int isrSize) {
        int partition = Utils.abs(group.hashCode()) % OFFSETS_PARTITIONS;
        TopicPartitionInfo[] found = new TopicPartitionInfo[1];
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            try (Admin admin = cluster.admin()) {
                TopicDescription d = admin.describeTopics(List.of(Topic.GROUP_METADATA_TOPIC_NAME)).allTopicNames().get()
                        .get(Topic.GROUP_METADATA_TOPIC_NAME);
                found[0] = d.partitions().get(partition);
            }
            assertThat(found[0].leader()).isNotNull();
            assertThat(found[0].isr()).hasSize(isrSize);
        });
        return found[0];
    }

    private long committedOffset(String group) throws Exception {
        try (Admin admin = cluster.admin()) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(EVENTS_0);
            return o == null ? -1 : o.offset();
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> offset(long offset) {
        return Map.of(EVENTS_0, new OffsetAndMetadata(offset));
    }

    @Test
    void aCommitIsNotAcknowledgedWhileTheOffsetsFollowersStandStill() throws Exception {
        startCluster(Map.of());
        String group = "stalled";
        List<Integer> followers = followers(offsetsPartition(group, 3));
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.assignment().contains(EVENTS_0);
            });
            consumer.commitSync(offset(3));

            followers.forEach(id -> cluster.broker(id).replicaManager().pauseFetching(true));
            Thread.sleep(1_000); // a follower fetch already parked at the leader (replica.fetch.wait.max.ms 500) ends first
            assertThatThrownBy(() -> consumer.commitSync(offset(7), Duration.ofSeconds(8)))
                    .isInstanceOf(RetriableException.class);
            assertThat(committedOffset(group)).as("the unreplicated commit is not visible").isEqualTo(3L);

            followers.forEach(id -> cluster.broker(id).replicaManager().pauseFetching(false));
            consumer.commitSync(offset(7), Duration.ofSeconds(60));
            assertThat(committedOffset(group)).isEqualTo(7L);
        }
    }

    /**
     * One follower of the group's offsets partition stands still for good, the other only for a while:
     * the commit is acknowledged once the second one has it and the first left the ISR, so killing
     * the coordinator right after the acknowledgement loses nothing. An acknowledgement that did not
     * wait would come back while neither follower had the commit.
     */
    @Test
    void anAcknowledgedCommitSurvivesKillingTheCoordinator() throws Exception {
        startCluster(Map.of("replica.lag.time.max.ms", "2000"));
        String group = "durable";
        TopicPartitionInfo offsets = offsetsPartition(group, 3);
        int coordinator = offsets.leader().id();
        List<Integer> followers = followers(offsets);
        int survivor = followers.get(1);
        ReplicaManager survivorReplicas = cluster.broker(survivor).replicaManager();
        followers.forEach(id -> cluster.broker(id).replicaManager().pauseFetching(true));
        Thread.sleep(1_000); // a follower fetch already parked at the leader (replica.fetch.wait.max.ms 500) ends first

        ExecutorService client = Executors.newSingleThreadExecutor();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            consumer.assign(List.of(EVENTS_0));
            Future<?> committedThenKilled = client.submit(() -> {
                consumer.commitSync(offset(50), Duration.ofSeconds(60));
                cluster.kill(coordinator);
                return null;
            });
            Thread.sleep(1_000); // an acknowledgement that did not wait for the followers is back by now
            survivorReplicas.pauseFetching(false);
            committedThenKilled.get(90, TimeUnit.SECONDS);
        } finally {
            client.shutdownNow();
        }

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> assertThat(committedOffset(group)).isEqualTo(50L));
        assertThat(offsetsPartition(group, 1).leader().id()).isEqualTo(survivor);
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            assertThat(consumer.committed(Set.of(EVENTS_0), Duration.ofSeconds(30)).get(EVENTS_0).offset())
                    .isEqualTo(50L);
        }
    }
}
