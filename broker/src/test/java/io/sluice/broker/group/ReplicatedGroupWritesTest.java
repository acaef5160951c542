package io.sluice.broker.group;

import io.sluice.broker.api.group.TxnOffsetCommitHandler;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.sluice.broker.group.GroupHarness.await;
import static io.sluice.broker.group.GroupHarness.joinData;
import static io.sluice.broker.group.GroupHarness.subscription;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coordinator writes are answered only once replicated: the replication outcome of each write is held
 * by the test ({@link HeldReplication}) while the records themselves go to real logs.
 */
class ReplicatedGroupWritesTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final short OFFSET_COMMIT_V9 = 9;
    private static final long PRODUCER_ID = 4000L;

    @TempDir
    Path dir;
    GroupHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private CompletableFuture<Map<TopicPartition, Errors>> commitAsync(long offset) {
        return h.commitAsync("simple", "", -1, Map.of(ORDERS_0, offset), OFFSET_COMMIT_V9);
    }

    private long committed() {
        return h.fetch("simple", List.of(ORDERS_0)).get(ORDERS_0);
    }

    /** OffsetFetch with requireStable: the partition's error. */
    private Errors stableFetchError(String group) {
        OffsetFetchResponse r = h.call(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setRequireStable(true)
                .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group)
                        .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setName(ORDERS_0.topic()).setPartitionIndexes(List.of(ORDERS_0.partition())))))),
                true), (short) 9);
        return Errors.forCode(r.data().groups().get(0).topics().get(0).partitions().get(0).errorCode());
    }

    private String groupState(String group) {
        DescribeGroupsResponse r = h.call(new DescribeGroupsRequest.Builder(
                new DescribeGroupsRequestData().setGroups(List.of(group))), ApiKeys.DESCRIBE_GROUPS.latestVersion());
        return r.data().groups().get(0).groupState();
    }

    @Test
    void aCommitIsAnsweredAndVisibleOnlyOnceReplicated() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        h.replication.hold();

        CompletableFuture<Map<TopicPartition, Errors>> answer = commitAsync(42);
        CompletableFuture<Errors> replication = h.replication.next();

        assertThat(answer).isNotDone();
        assertThat(committed()).isEqualTo(-1L);
        assertThat(stableFetchError("simple")).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);

        replication.complete(Errors.NONE);
        assertThat(await(answer)).containsExactly(Map.entry(ORDERS_0, Errors.NONE));
        assertThat(committed()).isEqualTo(42L);
        assertThat(stableFetchError("simple")).isEqualTo(Errors.NONE);
    }

    @ParameterizedTest
    @CsvSource({
            "NOT_ENOUGH_REPLICAS_AFTER_APPEND, COORDINATOR_NOT_AVAILABLE",
            "REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE",
            "NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR"})
    void aCommitThatIsNotReplicatedFailsAndTheOldOffsetStays(Errors replicationError, Errors answered) {
        h = new GroupHarness(dir, GroupHarness.config(0));
        assertThat(await(commitAsync(5))).containsEntry(ORDERS_0, Errors.NONE);
        h.replication.hold();

        CompletableFuture<Map<TopicPartition, Errors>> answer = commitAsync(9);
        h.replication.next().complete(replicationError);

        assertThat(await(answer)).containsExactly(Map.entry(ORDERS_0, answered));
        assertThat(committed()).isEqualTo(5L);
        assertThat(stableFetchError("simple")).isEqualTo(Errors.NONE);
    }

    @Test
    void aRefusedAppendIsAnsweredAtOnceAsKafkaDoes() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        assertThat(await(commitAsync(5))).containsEntry(ORDERS_0, Errors.NONE);
        Map<RuntimeException, Errors> refusals = Map.of(
                new NotEnoughReplicasException("ISR too small"), Errors.COORDINATOR_NOT_AVAILABLE,
                new NotLeaderOrFollowerException("moved"), Errors.NOT_COORDINATOR,
                new RecordBatchTooLargeException("too large"), Errors.INVALID_COMMIT_OFFSET_SIZE);
        refusals.forEach((refusal, answered) -> {
            h.replication.refuseNext(refusal);
            assertThat(await(commitAsync(9))).as("%s", refusal).containsExactly(Map.entry(ORDERS_0, answered));
            assertThat(committed()).isEqualTo(5L);
        });
    }

    @Test
    void racingCommitsEndAtTheLatestReplicatedOne() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        h.replication.hold();

        // The later commit is replicated first, then the earlier one fails: the later one stays.
        CompletableFuture<Map<TopicPartition, Errors>> first = commitAsync(10);
        CompletableFuture<Errors> firstReplication = h.replication.next();
        CompletableFuture<Map<TopicPartition, Errors>> second = commitAsync(20);
        h.replication.next().complete(Errors.NONE);
        assertThat(await(second)).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(committed()).isEqualTo(20L);
        firstReplication.complete(Errors.REQUEST_TIMED_OUT);
        assertThat(await(first)).containsEntry(ORDERS_0, Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(committed()).isEqualTo(20L);

        // The later commit is replicated first, then the earlier one too: still the later one.
        CompletableFuture<Map<TopicPartition, Errors>> third = commitAsync(30);
        CompletableFuture<Errors> thirdReplication = h.replication.next();
        CompletableFuture<Map<TopicPartition, Errors>> fourth = commitAsync(40);
        h.replication.next().complete(Errors.NONE);
        thirdReplication.complete(Errors.NONE);
        assertThat(await(third)).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(await(fourth)).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(committed()).isEqualTo(40L);

        // The earlier commit is replicated, the later one fails: the earlier one is committed.
        CompletableFuture<Map<TopicPartition, Errors>> fifth = commitAsync(50);
        CompletableFuture<Errors> fifthReplication = h.replication.next();
        CompletableFuture<Map<TopicPartition, Errors>> sixth = commitAsync(60);
        CompletableFuture<Errors> sixthReplication = h.replication.next();
        fifthReplication.complete(Errors.NONE);
        assertThat(await(fifth)).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(committed()).isEqualTo(50L);
        assertThat(stableFetchError("simple")).as("the later commit is still in flight")
                .isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
        sixthReplication.complete(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(await(sixth)).containsEntry(ORDERS_0, Errors.NOT_COORDINATOR);
        assertThat(committed()).isEqualTo(50L);
        assertThat(h.replication.waiting()).isZero();
    }

    /** One dynamic member joined generation 1 and is its leader: its member id. */
    private String joinedLeader(String group) {
        JoinGroupResponse joined = await(h.joinNew(group, 10_000, 5_000, subscription("orders")));
        assertThat(joined.error()).isEqualTo(Errors.NONE);
        assertThat(joined.isLeader()).isTrue();
        return joined.data().memberId();
    }

    @Test
    void theLeadersAssignmentIsHandedOutOnlyOnceReplicated() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String leader = joinedLeader("g");
        h.replication.hold();

        CompletableFuture<SyncGroupResponse> sync = h.sync("g", leader, 1, Map.of(leader, new byte[]{7}));
        CompletableFuture<Errors> replication = h.replication.next();
        assertThat(sync).isNotDone();
        assertThat(groupState("g")).isEqualTo("CompletingRebalance");

        replication.complete(Errors.NONE);
        SyncGroupResponse synced = await(sync);
        assertThat(synced.error()).isEqualTo(Errors.NONE);
        assertThat(synced.data().assignment()).containsExactly(7);
        assertThat(groupState("g")).isEqualTo("Stable");
    }

    @Test
    void anAssignmentThatIsNotReplicatedSendsTheGroupBackToRebalance() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String leader = joinedLeader("g");
        h.replication.hold();

        CompletableFuture<SyncGroupResponse> sync = h.sync("g", leader, 1, Map.of(leader, new byte[]{7}));
        h.replication.next().complete(Errors.REQUEST_TIMED_OUT);

        assertThat(await(sync).error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(groupState("g")).isEqualTo("PreparingRebalance");
    }

    @Test
    void aStaticMemberWhoseNewIdIsNotReplicatedKeepsItsOldId() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        JoinGroupResponse first = await(h.join(joinData("g", "", "instance-a", 10_000, 5_000, subscription("orders"))));
        String oldId = first.data().memberId();
        assertThat(await(h.sync("g", oldId, "instance-a", 1, Map.of(oldId, new byte[]{1}))).error())
                .isEqualTo(Errors.NONE);
        h.replication.hold();

        // The instance restarts: a JoinGroup without member id takes over its place.
        CompletableFuture<JoinGroupResponse> rejoin =
                h.join(joinData("g", "", "instance-a", 10_000, 5_000, subscription("orders")));
        CompletableFuture<Errors> replication = h.replication.next();
        assertThat(rejoin).isNotDone();
        replication.complete(Errors.NOT_LEADER_OR_FOLLOWER);

        assertThat(await(rejoin).error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(h.heartbeat("g", oldId, "instance-a", 1)).isEqualTo(Errors.NONE);
    }

    private CompletableFuture<TxnOffsetCommitResponse> txnCommit(long offset) {
        TxnOffsetCommitRequestData d = new TxnOffsetCommitRequestData()
                .setTransactionalId("tx").setGroupId("simple").setProducerId(PRODUCER_ID).setProducerEpoch((short) 0)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(ORDERS_0.topic())
                        .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                                .setPartitionIndex(ORDERS_0.partition()).setCommittedOffset(offset)))));
        return h.send(TxnOffsetCommitRequest.Builder.forTopicNames(d, false), (short) 3);
    }

    private static Errors error(TxnOffsetCommitResponse r) {
        return Errors.forCode(r.data().topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void transactionalOffsetsAreAnsweredOnceReplicatedAndARefusalUsesNoSequence() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        h.router.register(ApiKeys.TXN_OFFSET_COMMIT, new TxnOffsetCommitHandler(h.coordinator));
        h.replication.hold();

        CompletableFuture<TxnOffsetCommitResponse> answer = txnCommit(5);
        CompletableFuture<Errors> replication = h.replication.next();
        assertThat(answer).isNotDone();
        assertThat(stableFetchError("simple")).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
        replication.complete(Errors.REQUEST_TIMED_OUT);
        assertThat(error(await(answer))).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(stableFetchError("simple")).as("no longer waiting for a marker").isEqualTo(Errors.NONE);

        // Refused before the log saw it: the producer's next batch must continue the sequence, or the
        // log refuses it as out of order.
        h.replication.refuseNext(new NotEnoughReplicasException("ISR too small"));
        assertThat(error(await(txnCommit(6)))).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        CompletableFuture<TxnOffsetCommitResponse> retried = txnCommit(7);
        h.replication.next().complete(Errors.NONE);
        assertThat(error(await(retried))).isEqualTo(Errors.NONE);

        h.coordinator.onTxnMarker(h.coordinator.partitionFor("simple"), PRODUCER_ID, true);
        assertThat(committed()).isEqualTo(7L);
    }
}
