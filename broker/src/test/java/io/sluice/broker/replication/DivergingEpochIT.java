package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Divergence detection in Fetch (KIP-595's {@code last_fetched_epoch} / {@code diverging_epoch}):
 * followers learn where their log stops matching the leader's from the Fetch response itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DivergingEpochIT {
    private static final String TOPIC = "diverging";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private TopicPartitionInfo describe() throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return d.partitions().get(0);
        }
    }

    private void awaitLeaderAmong(List<Integer> candidates) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TopicPartitionInfo info = describe();
            assertThat(info.leader()).isNotNull();
            assertThat(info.leader().id()).isIn(candidates);
        });
    }

    private void awaitIsr(int size) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(describe().isr()).hasSize(size));
    }

    private void produce(String prefix, int count, String acks) {
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, acks))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", prefix + i));
            }
            producer.flush();
        }
    }

    private PartitionLog log(int broker) {
        return cluster.broker(broker).partitionLog(TP).orElseThrow();
    }

    private static byte[] segmentBytes(Path partitionDir) throws Exception {
        try (var files = Files.list(partitionDir)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                out.write(Files.readAllBytes(p));
            }
            return out.toByteArray();
        }
    }

    @Test
    void aFollowerWithRecordsOfAnEpochTheLeaderNeverSawIsTruncatedByTheFetchResponse() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        cluster.createTopic(TOPIC, 1, (short) 3, Map.of(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "true"));
        awaitIsr(3);
        int first = describe().leader().id();
        int diverging = (first + 1) % 3;
        int third = (first + 2) % 3;
        produce("replicated-", 100, "all");

        // The first leader goes with `diverging` as the only other ISR member, which takes over at a new
        // epoch and writes in it alone.
        cluster.kill(third);
        awaitIsr(2);
        cluster.kill(first);
        awaitLeaderAmong(List.of(diverging));
        int unseenEpoch = cluster.broker(diverging).replicaManager().leaderEpoch(TP).orElseThrow();
        produce("unseen-", 50, "1");
        assertThat(log(diverging).logEndOffset()).isEqualTo(150);
        assertThat(log(diverging).leaderEpochs()).containsEntry(unseenEpoch, 100L);

        // It goes; the others come back, one is elected (uncleanly) and writes at a later epoch.
        cluster.kill(diverging);
        cluster.restart(first);
        cluster.restart(third);
        awaitLeaderAmong(List.of(first, third));
        int newLeader = describe().leader().id();
        produce("new-leader-", 30, "1");
        assertThat(log(newLeader).leaderEpochs()).doesNotContainKey(unseenEpoch);

        // `diverging` returns as a follower: its first Fetch reports epoch `unseenEpoch` at offset 150.
        cluster.restart(diverging);
        awaitIsr(3);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int id = 0; id < 3; id++) {
                assertThat(log(id).logEndOffset()).isEqualTo(130);
                assertThat(log(id).highWatermark()).isEqualTo(130);
            }
        });
        assertThat(cluster.broker(diverging).replicaManager().divergenceTruncations())
                .as("truncations on a diverging epoch").isPositive();
        assertThat(log(diverging).leaderEpochs()).doesNotContainKey(unseenEpoch);
        byte[] expected = segmentBytes(cluster.logDir(newLeader).resolve(TOPIC + "-0"));
        for (int id = 0; id < 3; id++) {
            assertThat(segmentBytes(cluster.logDir(id).resolve(TOPIC + "-0"))).as("log of broker %d", id)
                    .isEqualTo(expected);
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < 130 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        assertThat(values).hasSize(130).noneMatch(v -> v.startsWith("unseen-"));
        assertThat(values.get(129)).isEqualTo("new-leader-29");
    }

    @Test
    void theLeaderAnswersADivergingFollowerWithItsEpochEndAndNoRecords() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        cluster.createTopic(TOPIC, 1, (short) 3, Map.of());
        awaitIsr(3);
        TopicPartitionInfo info = describe();
        int leader = info.leader().id();
        int follower = info.replicas().stream().map(n -> n.id()).filter(id -> id != leader).findFirst().orElseThrow();
        produce("r-", 40, "all");
        int epoch = cluster.broker(leader).replicaManager().leaderEpoch(TP).orElseThrow();

        // As if the follower held 60 records of this epoch, 20 of which the leader never wrote.
        FetchResponseData.PartitionData longer = followerFetch(leader, follower, epoch, 60, epoch);
        assertThat(Errors.forCode(longer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(FetchResponse.isDivergingEpoch(longer)).isTrue();
        assertThat(longer.divergingEpoch().epoch()).isEqualTo(epoch);
        assertThat(longer.divergingEpoch().endOffset()).isEqualTo(40);
        assertThat(FetchResponse.recordsSize(longer)).isZero();

        // A follower whose log is a prefix of the leader's gets records.
        FetchResponseData.PartitionData prefix = followerFetch(leader, follower, epoch, 10, epoch);
        assertThat(Errors.forCode(prefix.errorCode())).isEqualTo(Errors.NONE);
        assertThat(FetchResponse.isDivergingEpoch(prefix)).isFalse();
        assertThat(FetchResponse.recordsSize(prefix)).isPositive();
        assertThat(log(leader).highWatermark()).isEqualTo(40);
    }

    /** A Fetch v12 to {@code leader} as the replica fetcher of {@code follower} sends it. */
    private FetchResponseData.PartitionData followerFetch(int leader, int follower, int currentLeaderEpoch,
                                                          long fetchOffset, int lastFetchedEpoch) throws Exception {
        FetchRequestData data = new FetchRequestData().setReplicaId(follower).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(fetchOffset)
                                .setLogStartOffset(0).setPartitionMaxBytes(1 << 20)
                                .setCurrentLeaderEpoch(currentLeaderEpoch).setLastFetchedEpoch(lastFetchedEpoch)))));
        try (RawConnection raw = new RawConnection("127.0.0.1", cluster.broker(leader).port())) {
            FetchResponse response = (FetchResponse) raw.send(
                    new RequestHeader(ApiKeys.FETCH, (short) 12, "test", 1), new FetchRequest(data, (short) 12));
            return response.data().responses().get(0).partitions().get(0);
        }
    }
}
