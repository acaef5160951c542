package io.sluice.broker.group;

import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OffsetCommit and TxnOffsetCommit for a topic or partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION, per
 * partition; and a commit with nothing left to store creates no group.
 */
class OffsetCommitUnknownTopicIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        broker.createTopic("exists", 2, Map.of());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void offsetCommitAnswersUnknownTopicOrPartitionPerPartition() throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId("standalone")
                .setGenerationIdOrMemberEpoch(-1).setMemberId("");
        data.topics().add(topic("exists", 0, 1, 2));
        data.topics().add(topic("missing", 0));
        short version = 8;
        Map<String, Short> errors = new HashMap<>();
        try (RawConnection raw = RawConnection.to(broker)) {
            OffsetCommitResponse response = (OffsetCommitResponse) raw.send(
                    new RequestHeader(ApiKeys.OFFSET_COMMIT, version, "raw", 1),
                    new OffsetCommitRequest(data, version));
            response.data().topics().forEach(t -> t.partitions().forEach(
                    p -> errors.put(t.name() + "-" + p.partitionIndex(), p.errorCode())));
        }
        assertThat(errors).containsExactlyInAnyOrderEntriesOf(Map.of(
                "exists-0", Errors.NONE.code(),
                "exists-1", Errors.NONE.code(),
                "exists-2", Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                "missing-0", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
    }

    @Test
    void txnOffsetCommitAnswersUnknownTopicOrPartitionPerPartition() throws Exception {
        TxnOffsetCommitRequestData data = new TxnOffsetCommitRequestData().setTransactionalId("t").setGroupId("txn-group")
                .setProducerId(1000).setProducerEpoch((short) 0).setGenerationIdOrMemberEpoch(-1).setMemberId("");
        data.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("missing")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(0).setCommittedOffset(5))));
        data.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("exists")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(7).setCommittedOffset(5))));
        short version = 3;
        try (RawConnection raw = RawConnection.to(broker)) {
            TxnOffsetCommitResponse response = (TxnOffsetCommitResponse) raw.send(
                    new RequestHeader(ApiKeys.TXN_OFFSET_COMMIT, version, "raw", 1),
                    TxnOffsetCommitRequest.Builder.forTopicNames(data, false).build(version));
            assertThat(response.data().topics()).hasSize(2);
            response.data().topics().forEach(t -> assertThat(t.partitions()).allSatisfy(
                    p -> assertThat(p.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
        }
    }

    @Test
    void commitsWithEveryPartitionRejectedCreateNoGroup() throws Exception {
        OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("phantom-commit")
                .setGenerationIdOrMemberEpoch(-1).setMemberId("");
        commit.topics().add(topic("missing", 0, 1));
        commit.topics().add(topic("exists", 9));
        TxnOffsetCommitRequestData txn = new TxnOffsetCommitRequestData().setTransactionalId("t2")
                .setGroupId("phantom-txn").setProducerId(1001).setProducerEpoch((short) 0)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("");
        txn.topics().add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("missing")
                .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(0).setCommittedOffset(5))));
        try (RawConnection raw = RawConnection.to(broker)) {
            OffsetCommitResponse committed = (OffsetCommitResponse) raw.send(
                    new RequestHeader(ApiKeys.OFFSET_COMMIT, (short) 8, "raw", 1), new OffsetCommitRequest(commit, (short) 8));
            assertThat(committed.data().topics()).allSatisfy(t -> assertThat(t.partitions()).allSatisfy(
                    p -> assertThat(p.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
            TxnOffsetCommitResponse txnCommitted = (TxnOffsetCommitResponse) raw.send(
                    new RequestHeader(ApiKeys.TXN_OFFSET_COMMIT, (short) 3, "raw", 2),
                    TxnOffsetCommitRequest.Builder.forTopicNames(txn, false).build((short) 3));
            assertThat(txnCommitted.data().topics()).allSatisfy(t -> assertThat(t.partitions()).allSatisfy(
                    p -> assertThat(p.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
            // The control: a commit that stores something does create its group.
            OffsetCommitRequestData real = new OffsetCommitRequestData().setGroupId("real-commit")
                    .setGenerationIdOrMemberEpoch(-1).setMemberId("");
            real.topics().add(topic("exists", 0));
            raw.send(new RequestHeader(ApiKeys.OFFSET_COMMIT, (short) 8, "raw", 3), new OffsetCommitRequest(real, (short) 8));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).extracting(GroupListing::groupId)
                    .contains("real-commit").doesNotContain("phantom-commit", "phantom-txn");
        }
    }

    private static OffsetCommitRequestData.OffsetCommitRequestTopic topic(String name, int... partitions) {
        OffsetCommitRequestData.OffsetCommitRequestTopic t = new OffsetCommitRequestData.OffsetCommitRequestTopic()
                .setName(name);
        for (int p : partitions) {
            t.partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(p)
                    .setCommittedOffset(3));
        }
        return t;
    }
}
