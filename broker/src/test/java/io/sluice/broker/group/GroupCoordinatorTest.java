package io.sluice.broker.group;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GroupCoordinatorTest {
    @TempDir
    Path dir;
    GroupHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void findCoordinatorAnswersGroupsWithThisNodeAndTransactionsNotYet() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        FindCoordinatorResponse v3 = h.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setKey("g").setKeyType((byte) 0)), (short) 3);
        assertThat(v3.error()).isEqualTo(Errors.NONE);
        assertThat(v3.node()).isEqualTo(GroupHarness.NODE);

        FindCoordinatorResponse v0 = h.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setKey("g")), (short) 0);
        assertThat(v0.data().port()).isEqualTo(9092);

        FindCoordinatorResponse batched = h.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setCoordinatorKeys(List.of("a", "b")).setKeyType((byte) 0)), (short) 4);
        assertThat(batched.data().coordinators()).extracting(c -> c.key() + "@" + c.nodeId() + ":" + c.errorCode())
                .containsExactly("a@7:0", "b@7:0");

        FindCoordinatorResponse txn = h.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setCoordinatorKeys(List.of("tx")).setKeyType((byte) 1)), ApiKeys.FIND_COORDINATOR.latestVersion());
        assertThat(txn.data().coordinators().get(0).errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
    }

    @Test
    void describeUnknownGroupsAsDeadOrNotFoundDependingOnVersion() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        DescribeGroupsResponse v5 = h.call(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                .setGroups(List.of("nope"))), (short) 5);
        assertThat(v5.data().groups().get(0).groupState()).isEqualTo("Dead");
        assertThat(v5.data().groups().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        DescribeGroupsResponse v6 = h.call(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                .setGroups(List.of("nope"))), (short) 6);
        assertThat(v6.data().groups().get(0).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void offsetApisStopAtTheLastVersionByTopicNameWithoutTopicIds() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        assertThat(h.router.supports(ApiKeys.OFFSET_COMMIT, (short) 9)).isTrue();
        assertThat(h.router.supports(ApiKeys.OFFSET_COMMIT, (short) 10)).isFalse();
        assertThat(h.router.supports(ApiKeys.OFFSET_FETCH, (short) 10)).isFalse();
        assertThat(h.router.supports(ApiKeys.JOIN_GROUP, ApiKeys.JOIN_GROUP.latestVersion())).isTrue();
    }

    @Test
    void groupsArePlacedByKafkasPartitioning() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        assertThat(h.coordinator.partitionFor("my-group"))
                .isEqualTo(org.apache.kafka.common.utils.Utils.abs("my-group".hashCode()) % GroupHarness.PARTITIONS);
    }

    @Test
    void recordsRoundTrip() {
        var value = new GroupRecords.GroupValue("consumer", 4, "range", "m1", 123L, List.of(
                new GroupRecords.MemberValue("m1", "i1", "c", "/127.0.0.1", 300, 10, new byte[]{1, 2}, new byte[]{3}),
                new GroupRecords.MemberValue("m2", null, "c", "", 300, 10, new byte[0], new byte[0])));
        var back = GroupRecords.readGroupValue(ByteBuffer.wrap(GroupRecords.groupValue(value)));
        assertThat(back).usingRecursiveComparison().isEqualTo(value);
        var offset = new CommittedOffset(9, -1, "", 5L, -1L);
        assertThat(GroupRecords.readOffsetValue(ByteBuffer.wrap(GroupRecords.offsetValue(offset)))).isEqualTo(offset);
        assertThat(GroupRecords.readKey(ByteBuffer.wrap(GroupRecords.offsetKey("g", "t", 3))))
                .isEqualTo(new GroupRecords.OffsetKey("g", "t", 3));
        assertThat(GroupRecords.readKey(ByteBuffer.wrap(GroupRecords.groupKey("g")))).isEqualTo(new GroupRecords.GroupKey("g"));
    }
}
