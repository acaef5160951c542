package io.sluice.broker.api;

import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** CreateTopics and CreatePartitions with explicit replica assignments, on three brokers, as Kafka does them. */
class ManualAssignmentIT {
    private static TestCluster cluster;
    private static Admin admin;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(3, Map.of());
        admin = cluster.admin();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void topicsAndPartitionsArePlacedWhereAsked() throws Exception {
        admin.createTopics(List.of(new NewTopic("placed", Map.of(0, List.of(2, 1), 1, List.of(0, 2), 2, List.of(1, 0)))))
                .all().get(20, TimeUnit.SECONDS);
        assertThat(placement("placed")).containsExactly(List.of(2, 1), List.of(0, 2), List.of(1, 0));
        // The first replica leads, as in Kafka.
        assertThat(leaders("placed")).containsExactly(2, 0, 1);

        admin.createPartitions(Map.of("placed", NewPartitions.increaseTo(5, List.of(List.of(1, 2), List.of(2, 0)))))
                .all().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(placement("placed"))
                .containsExactly(List.of(2, 1), List.of(0, 2), List.of(1, 0), List.of(1, 2), List.of(2, 0)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(leaders("placed")).containsExactly(2, 0, 1, 1, 2));
    }

    @Test
    void invalidAssignmentsGetKafkasErrors() {
        assertRefused(new NewTopic("dup", Map.of(0, List.of(1, 1))), InvalidReplicaAssignmentException.class,
                "The manual partition assignment includes the broker 1 more than once.");
        assertRefused(new NewTopic("unknown", Map.of(0, List.of(0, 9))), InvalidReplicaAssignmentException.class,
                "The manual partition assignment includes broker 9, but no such broker is registered.");
        assertRefused(new NewTopic("uneven", Map.of(0, List.of(0, 1), 1, List.of(2))), InvalidReplicaAssignmentException.class,
                "The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with "
                        + "previous partitions, which have 2 replica(s).");
        assertRefused(new NewTopic("gap", Map.of(0, List.of(0), 2, List.of(1))), InvalidReplicaAssignmentException.class,
                "consecutive");
        assertRefused(new NewTopic("empty", Map.of(0, List.of())), InvalidReplicaAssignmentException.class,
                "empty replica list");
        assertThat(cluster.broker(0).partitionLog(new org.apache.kafka.common.TopicPartition("dup", 0))).isEmpty();
    }

    @Test
    void invalidPartitionAssignmentsGetKafkasErrors() throws Exception {
        admin.createTopics(List.of(new NewTopic("growing", Map.of(0, List.of(0, 1))))).all().get(20, TimeUnit.SECONDS);
        assertPartitionsRefused(NewPartitions.increaseTo(2, List.of(List.of(0, 1, 2))), InvalidReplicaAssignmentException.class,
                "The manual partition assignment includes a partition with 3 replica(s), but this is not consistent with "
                        + "previous partitions, which have 2 replica(s).");
        assertPartitionsRefused(NewPartitions.increaseTo(4, List.of(List.of(1, 2))), InvalidReplicaAssignmentException.class,
                "Attempted to add 3 additional partition(s), but only 1 assignment(s) were specified.");
        assertPartitionsRefused(NewPartitions.increaseTo(2, List.of(List.of(2, 2))), InvalidReplicaAssignmentException.class,
                "more than once");
        assertPartitionsRefused(NewPartitions.increaseTo(2, List.of(List.of(2, 7))), InvalidReplicaAssignmentException.class,
                "broker 7, but no such broker is registered");
        assertPartitionsRefused(NewPartitions.increaseTo(1), InvalidPartitionsException.class, "Topic already has 1 partition(s).");
        assertThat(placement("growing")).containsExactly(List.of(0, 1));
    }

    @Test
    void assignmentTogetherWithPartitionCountIsAnInvalidRequest() {
        // Admin never sends both; the raw request can. Kafka answers INVALID_REQUEST.
        org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic topic =
                new org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic()
                        .setName("both").setNumPartitions(1).setReplicationFactor((short) -1);
        topic.assignments().add(new org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment()
                .setPartitionIndex(0).setBrokerIds(List.of(0)));
        org.apache.kafka.common.message.CreateTopicsRequestData data = new org.apache.kafka.common.message.CreateTopicsRequestData()
                .setTimeoutMs(10_000);
        data.topics().add(topic);
        try (io.sluice.testkit.RawConnection raw = new io.sluice.testkit.RawConnection("127.0.0.1",
                cluster.broker(0).port())) {
            short version = org.apache.kafka.common.protocol.ApiKeys.CREATE_TOPICS.latestVersion();
            org.apache.kafka.common.requests.CreateTopicsResponse response = (org.apache.kafka.common.requests.CreateTopicsResponse)
                    raw.send(new org.apache.kafka.common.requests.RequestHeader(
                                    org.apache.kafka.common.protocol.ApiKeys.CREATE_TOPICS, version, "raw", 1),
                            new org.apache.kafka.common.requests.CreateTopicsRequest.Builder(data).build(version));
            assertThat(response.data().topics().find("both").errorCode())
                    .isEqualTo(org.apache.kafka.common.protocol.Errors.INVALID_REQUEST.code());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> admin.describeTopics(List.of("both")).allTopicNames().get())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
    }

    private static void assertRefused(NewTopic topic, Class<? extends Throwable> error, String message) {
        assertThatThrownBy(() -> admin.createTopics(List.of(topic)).all().get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(error).cause().hasMessageContaining(message);
    }

    private static void assertPartitionsRefused(NewPartitions partitions, Class<? extends Throwable> error, String message) {
        assertThatThrownBy(() -> admin.createPartitions(Map.of("growing", partitions)).all().get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(error).cause().hasMessageContaining(message);
    }

    private static List<List<Integer>> placement(String topic) throws Exception {
        return describe(topic).partitions().stream()
                .map(p -> p.replicas().stream().map(Node::id).toList()).toList();
    }

    private static List<Integer> leaders(String topic) throws Exception {
        return describe(topic).partitions().stream().map(TopicPartitionInfo::leader)
                .map(n -> n == null ? -1 : n.id()).toList();
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }
}
