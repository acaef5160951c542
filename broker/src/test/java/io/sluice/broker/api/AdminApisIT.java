package io.sluice.broker.api;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin-facing APIs through kafka-clients' Admin and consumer calls that use them. */
class AdminApisIT {
    static TestBroker broker;
    static final long BASE = 1_700_000_000_000L;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("timed", 1, Map.of());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            // Timestamps 0, 10, ..., 990 s after BASE, with one late record carrying the maximum.
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("timed", 0, BASE + i * 10_000L, "k" + i, "v" + i));
            }
            producer.send(new ProducerRecord<>("timed", 0, BASE + 5_000_000L, "max", "max"));
            producer.send(new ProducerRecord<>("timed", 0, BASE + 20_000L, "late", "late"));
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void describeClusterNamesThisBrokerAsControllerAndMember() throws Exception {
        try (Admin admin = broker.admin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            assertThat(cluster.clusterId().get()).isEqualTo(broker.broker().clusterId());
            assertThat(cluster.nodes().get()).singleElement().satisfies(n -> assertThat(n.port()).isEqualTo(broker.broker().port()));
            assertThat(cluster.controller().get().id()).isZero();
        }
    }

    @Test
    void listOffsetsByTimestampEarliestLatestAndMaxTimestamp() throws Exception {
        TopicPartition tp = new TopicPartition("timed", 0);
        try (Admin admin = broker.admin()) {
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset()).isZero();
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset()).isEqualTo(102);
            ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp()))
                    .partitionResult(tp).get();
            assertThat(max.offset()).isEqualTo(100);
            assertThat(max.timestamp()).isEqualTo(BASE + 5_000_000L);
            // First record at or after 250 s: the one at 260 s, offset 26.
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(BASE + 255_000L))).partitionResult(tp).get()
                    .offset()).isEqualTo(26);
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, BASE + 90_000L));
            assertThat(found.get(tp).offset()).isEqualTo(9);
            assertThat(found.get(tp).timestamp()).isEqualTo(BASE + 90_000L);
            assertThat(consumer.offsetsForTimes(Map.of(tp, BASE + 9_000_000L)).get(tp)).isNull();
        }
    }

    @Test
    void offsetDeleteAndDeleteGroupsThroughAdmin() throws Exception {
        TopicPartition tp = new TopicPartition("timed", 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer("admin-group", Map.of())) {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(7)));
        }
        try (Admin admin = broker.admin()) {
            assertThat(admin.listConsumerGroupOffsets("admin-group").partitionsToOffsetAndMetadata().get())
                    .containsEntry(tp, new OffsetAndMetadata(7));
            admin.deleteConsumerGroupOffsets("admin-group", Set.of(tp)).all().get();
            assertThat(admin.listConsumerGroupOffsets("admin-group").partitionsToOffsetAndMetadata().get())
                    .doesNotContainKey(tp);
            admin.deleteConsumerGroups(List.of("admin-group")).all().get();
            assertThat(admin.listGroups().all().get()).noneMatch(g -> g.groupId().equals("admin-group"));
        }
        try (KafkaConsumer<String, String> member = broker.consumer("busy-group", Map.of());
             Admin admin = broker.admin()) {
            member.subscribe(List.of("timed"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                member.poll(java.time.Duration.ofMillis(100));
                return !member.assignment().isEmpty();
            });
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("busy-group")).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupNotEmptyException.class);
        }
    }

    @Test
    void authorizedOperationsAreReportedWhenAskedForAsByKafkaWithoutAnAuthorizer() throws Exception {
        TopicPartition tp = new TopicPartition("timed", 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer("ops-group", Map.of())) {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1)));
        }
        try (Admin admin = broker.admin()) {
            assertThat(admin.describeTopics(List.of("timed"), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get().get("timed").authorizedOperations())
                    .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                            AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
                            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
            assertThat(admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get())
                    .containsExactlyInAnyOrder(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
                            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
                            AclOperation.ALTER, AclOperation.DESCRIBE);
            assertThat(admin.describeConsumerGroups(List.of("ops-group"),
                            new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                    .describedGroups().get("ops-group").get().authorizedOperations())
                    .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE,
                            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
            // Not asked for: not reported (null), as Kafka.
            assertThat(admin.describeTopics(List.of("timed")).allTopicNames().get().get("timed").authorizedOperations())
                    .isNull();
        }
    }

    @Test
    void createTopicsAnswersRequestTimedOutWhenLeadersAreNotElectedWithinItsTimeout() throws Exception {
        try (io.sluice.testkit.RawConnection raw = io.sluice.testkit.RawConnection.to(broker)) {
            for (int timeoutMs : new int[] {1, 0}) {
                String name = "leaderless-" + timeoutMs;
                org.apache.kafka.common.message.CreateTopicsRequestData data =
                        new org.apache.kafka.common.message.CreateTopicsRequestData().setTimeoutMs(timeoutMs);
                data.topics().add(new org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic()
                        .setName(name).setNumPartitions(20).setReplicationFactor((short) 1));
                short version = org.apache.kafka.common.protocol.ApiKeys.CREATE_TOPICS.latestVersion();
                org.apache.kafka.common.requests.CreateTopicsResponse response =
                        (org.apache.kafka.common.requests.CreateTopicsResponse) raw.send(
                                new org.apache.kafka.common.requests.RequestHeader(
                                        org.apache.kafka.common.protocol.ApiKeys.CREATE_TOPICS, version, "raw", timeoutMs),
                                new org.apache.kafka.common.requests.CreateTopicsRequest.Builder(data).build(version));
                // No 20 leaders within 1 ms (a ZooKeeper round trip each): timed out, yet created. With 0, as in
                // Kafka, nothing is waited for and the creation is a success.
                assertThat(response.data().topics().find(name).errorCode()).isEqualTo(timeoutMs == 0
                        ? org.apache.kafka.common.protocol.Errors.NONE.code()
                        : org.apache.kafka.common.protocol.Errors.REQUEST_TIMED_OUT.code());
                try (Admin admin = broker.admin()) {
                    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions())
                                    .hasSize(20).allSatisfy(tp -> assertThat(tp.leader()).isNotNull()));
                }
            }
        }
    }
}
