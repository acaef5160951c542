package io.sluice.broker.replication;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.replica.RackAwareReplicaSelector;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fetch from followers (KIP-392): three brokers in racks r0, r1, r2 with the rack-aware replica
 * selector. Which broker served a consumer's records is read from each broker's count of consumer
 * fetches it answered with records, as leader and as follower.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FetchFromFollowerIT {
    private static final String TOPIC = "near";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private TestCluster cluster;
    private int leader;
    private int follower;
    private int other;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The cluster, the topic with all three replicas in sync, and which broker has which role. */
    private void start() throws Exception {
        cluster = TestCluster.start(3,
                Map.of(BrokerConfig.REPLICA_SELECTOR_CLASS, RackAwareReplicaSelector.class.getName()),
                id -> Map.of(BrokerConfig.BROKER_RACK, "r" + id));
        cluster.createTopic(TOPIC, 1, (short) 3, Map.of());
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(describe().isr()).hasSize(3));
        leader = describe().leader().id();
        follower = (leader + 1) % 3;
        other = (leader + 2) % 3;
    }

    private TopicPartitionInfo describe() throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return d.partitions().get(0);
        }
    }

    private ConsumerReads reads(int broker) {
        return cluster.broker(broker).replicaManager().consumerReads();
    }

    private void produce(String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", prefix + i));
            }
            producer.flush();
        }
    }

    private static List<String> values(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    /** A consumer of the partition from its start, in {@code rack} (null: none) at {@code isolation}. */
    private KafkaConsumer<String, String> consumer(String rack, IsolationLevel isolation) {
        Map<String, Object> extra = new HashMap<>();
        if (rack != null) {
            extra.put(ConsumerConfig.CLIENT_RACK_CONFIG, rack);
        }
        extra.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        extra.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        KafkaConsumer<String, String> consumer = cluster.consumer(extra);
        consumer.assign(List.of(TP));
        consumer.seekToBeginning(List.of(TP));
        return consumer;
    }

    /** Polls until {@code count} more values arrived (or a generous deadline passed). */
    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (values.size() < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        return values;
    }

    @Test
    void aConsumerInAFollowersRackReadsEverythingFromThatFollowerAndOneWithoutARackFromTheLeader() throws Exception {
        start();
        produce("v", 300);
        try (KafkaConsumer<String, String> anywhere = consumer(null, IsolationLevel.READ_UNCOMMITTED)) {
            assertThat(poll(anywhere, 300)).containsExactlyElementsOf(values("v", 300));
        }
        long leaderServed = reads(leader).servedAsLeader();
        assertThat(leaderServed).as("reads served by the leader").isPositive();
        assertThat(reads(follower).servedAsFollower() + reads(other).servedAsFollower()).isZero();

        try (KafkaConsumer<String, String> near = consumer("r" + follower, IsolationLevel.READ_UNCOMMITTED)) {
            assertThat(poll(near, 300)).containsExactlyElementsOf(values("v", 300));
            // Records produced while the consumer waits at the follower: its high watermark moves them in.
            produce("w", 100);
            assertThat(poll(near, 100)).containsExactlyElementsOf(values("w", 100));
        }
        assertThat(reads(follower).servedAsFollower()).as("reads served by the follower in the client's rack")
                .isPositive();
        assertThat(reads(leader).servedAsLeader()).as("the leader only redirected").isEqualTo(leaderServed);
        assertThat(reads(other).servedAsFollower()).isZero();
    }

    @Test
    void readCommittedFromAFollowerStopsAtItsLastStableOffset() throws Exception {
        start();
        produce("p", 10);
        long pid = 4242;
        var replicas = cluster.broker(leader).replicaManager();
        replicas.appendAsLeader(TP, MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, 0,
                record("t0"), record("t1"), record("t2")), (short) 1);
        produce("q", 5);
        var followerLog = cluster.broker(follower).partitionLog(TP).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(followerLog.highWatermark()).isEqualTo(18);
            assertThat(followerLog.lastStableOffset()).isEqualTo(10);
        });
        List<String> consumed = new ArrayList<>();
        try (KafkaConsumer<String, String> near = consumer("r" + follower, IsolationLevel.READ_COMMITTED)) {
            consumed.addAll(poll(near, 10));
            // At the open transaction: were the follower to read past its last stable offset, this poll
            // would get the transaction's records, which are aborted below.
            near.poll(Duration.ofMillis(1_000)).forEach(r -> consumed.add(r.value()));
            assertThat(near.position(TP)).isEqualTo(10);
            replicas.appendAsLeader(TP, MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), pid,
                    (short) 0, new EndTransactionMarker(ControlRecordType.ABORT, 0)), (short) 1);
            consumed.addAll(poll(near, 5));
        }
        List<String> expected = new ArrayList<>(values("p", 10));
        expected.addAll(values("q", 5));
        assertThat(consumed).containsExactlyElementsOf(expected);
        assertThat(reads(follower).servedAsFollower()).isPositive();
        assertThat(reads(leader).servedAsLeader()).isZero();
    }

    private static SimpleRecord record(String value) {
        return new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void whenThePreferredFollowerDiesTheConsumerCarriesOnFromTheLeader() throws Exception {
        start();
        produce("a", 200);
        try (KafkaConsumer<String, String> near = consumer("r" + follower, IsolationLevel.READ_UNCOMMITTED)) {
            List<String> consumed = new ArrayList<>(poll(near, 200));
            assertThat(reads(follower).servedAsFollower()).isPositive();
            long leaderServed = reads(leader).servedAsLeader();
            cluster.kill(follower);
            produce("b", 200);
            consumed.addAll(poll(near, 200));
            List<String> expected = new ArrayList<>(values("a", 200));
            expected.addAll(values("b", 200));
            assertThat(consumed).containsExactlyElementsOf(expected);
            assertThat(reads(leader).servedAsLeader()).as("the leader took over").isGreaterThan(leaderServed);
            assertThat(reads(other).servedAsFollower()).isZero();
        }
    }

    /** A consumer's Fetch of the partition straight to {@code broker}, from {@code rack} (v11+). */
    private FetchResponseData.PartitionData fetch(int broker, short version, String rack, long offset,
                                                  int currentLeaderEpoch) throws Exception {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionEpoch(-1).setRackId(rack)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                                .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(currentLeaderEpoch)))));
        try (RawConnection raw = new RawConnection("127.0.0.1", cluster.broker(broker).port())) {
            FetchResponse response = (FetchResponse) raw.send(new RequestHeader(ApiKeys.FETCH, version, "test", 1),
                    new FetchRequest(data, version));
            return response.data().responses().get(0).partitions().get(0);
        }
    }

    private Errors listLatestOffset(int broker, int currentLeaderEpoch) throws Exception {
        ListOffsetsRequestData.ListOffsetsTopic topic = new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC)
                .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                        .setCurrentLeaderEpoch(currentLeaderEpoch).setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)));
        try (RawConnection raw = new RawConnection("127.0.0.1", cluster.broker(broker).port())) {
            ListOffsetsResponse response = (ListOffsetsResponse) raw.send(
                    new RequestHeader(ApiKeys.LIST_OFFSETS, (short) 7, "test", 2),
                    ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                            .setTargetTimes(List.of(topic)).build((short) 7));
            return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
        }
    }

    @Test
    void theLeaderRedirectsByRackAndFollowersServeOnlyWhatKip392Allows() throws Exception {
        start();
        produce("x", 20);
        int epoch = cluster.broker(leader).replicaManager().leaderEpoch(TP).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                cluster.broker(follower).partitionLog(TP).orElseThrow().highWatermark() == 20);

        FetchResponseData.PartitionData redirected = fetch(leader, (short) 12, "r" + follower, 0, epoch);
        assertThat(Errors.forCode(redirected.errorCode())).isEqualTo(Errors.NONE);
        assertThat(redirected.preferredReadReplica()).isEqualTo(follower);
        assertThat(FetchResponse.recordsSize(redirected)).isZero();
        assertThat(redirected.highWatermark()).isEqualTo(20);
        FetchResponseData.PartitionData local = fetch(leader, (short) 12, "r" + leader, 0, epoch);
        assertThat(local.preferredReadReplica()).isEqualTo(-1);
        assertThat(FetchResponse.recordsSize(local)).isPositive();

        // v10 predates follower fetching: only the leader serves it.
        assertThat(Errors.forCode(fetch(follower, (short) 10, "", 0, epoch).errorCode()))
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        FetchResponseData.PartitionData served = fetch(follower, (short) 12, "", 0, epoch);
        assertThat(Errors.forCode(served.errorCode())).isEqualTo(Errors.NONE);
        assertThat(FetchResponse.recordsSize(served)).isPositive();
        assertThat(served.highWatermark()).isEqualTo(20);
        // Beyond the follower's log: out of range for a client that knows the epoch (it goes back to the
        // leader), nothing yet for one that does not.
        assertThat(Errors.forCode(fetch(follower, (short) 12, "", 25, epoch).errorCode()))
                .isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        FetchResponseData.PartitionData noEpoch = fetch(follower, (short) 12, "", 25, -1);
        assertThat(Errors.forCode(noEpoch.errorCode())).isEqualTo(Errors.NONE);
        assertThat(FetchResponse.recordsSize(noEpoch)).isZero();
        assertThat(Errors.forCode(fetch(follower, (short) 12, "", 0, epoch + 1).errorCode()))
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);

        assertThat(listLatestOffset(leader, epoch)).isEqualTo(Errors.NONE);
        assertThat(listLatestOffset(follower, epoch)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }
}
