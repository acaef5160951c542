package io.sluice.broker.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.group.GroupHarness.await;
import static io.sluice.broker.group.GroupHarness.joinData;
import static io.sluice.broker.group.GroupHarness.subscription;
import static org.assertj.core.api.Assertions.assertThat;

class GroupOffsetsTest {
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);

    @TempDir
    Path dir;
    GroupHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    /** One consumer subscribed to "orders", synced: returns its member id (generation 1). */
    private String stableConsumer(String group) {
        JoinGroupResponse asked = await(h.join(joinData(group, "", null, 10_000, 5_000, subscription("orders"))));
        JoinGroupResponse joined = await(h.join(joinData(group, asked.data().memberId(), null, 10_000, 5_000,
                subscription("orders"))));
        assertThat(joined.data().generationId()).isEqualTo(1);
        String member = joined.data().memberId();
        assertThat(await(h.sync(group, member, 1, Map.of(member, new byte[]{1}))).error()).isEqualTo(Errors.NONE);
        return member;
    }

    private List<String> listGroups(String... states) {
        ListGroupsResponse r = h.call(new ListGroupsRequest.Builder(new ListGroupsRequestData()
                .setStatesFilter(List.of(states))), ApiKeys.LIST_GROUPS.latestVersion());
        return r.data().groups().stream().map(ListGroupsResponseDataGroupId::of).toList();
    }

    private interface ListGroupsResponseDataGroupId {
        static String of(org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup g) {
            return g.groupId() + ":" + g.groupState() + ":" + g.protocolType();
        }
    }

    @Test
    void simpleConsumerCommitsAndFetchesInEveryFetchShape() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        assertThat(h.commit("simple", "", -1, Map.of(ORDERS_0, 42L, ORDERS_1, 7L))).containsOnly(
                Map.entry(ORDERS_0, Errors.NONE), Map.entry(ORDERS_1, Errors.NONE));
        assertThat(h.commit("simple", "", -1, Map.of(ORDERS_0, 43L), (short) 2)).containsValue(Errors.NONE);

        assertThat(h.fetch("simple", List.of(ORDERS_0, ORDERS_1, AUDIT_0)))
                .containsOnly(Map.entry(ORDERS_0, 43L), Map.entry(ORDERS_1, 7L), Map.entry(AUDIT_0, -1L));
        assertThat(h.fetch("simple", null)).containsOnly(Map.entry(ORDERS_0, 43L), Map.entry(ORDERS_1, 7L));
        assertThat(h.fetch("never-committed", List.of(ORDERS_0))).containsOnly(Map.entry(ORDERS_0, -1L));

        // v7 (one group, top-level topics) carries metadata and leader epoch too.
        OffsetFetchResponse v7 = h.call(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setGroupId("simple").setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                        .setName("orders").setPartitionIndexes(List.of(1)))), false), (short) 7);
        var p = v7.data().topics().get(0).partitions().get(0);
        assertThat(p.committedOffset()).isEqualTo(7L);
        assertThat(p.metadata()).isEqualTo("m7");
        assertThat(p.committedLeaderEpoch()).isEqualTo(3);

        // v8 batches several groups.
        OffsetFetchResponse v8 = h.call(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("simple").setTopics(null),
                        new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("other").setTopics(null))),
                false), (short) 8);
        assertThat(v8.data().groups()).extracting(g -> g.groupId() + "=" + g.topics().size())
                .containsExactly("simple=1", "other=0");
        assertThat(listGroups()).contains("simple:Empty:");
    }

    @Test
    void memberCommitsAreCheckedAgainstTheGeneration() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String member = stableConsumer("g");
        assertThat(h.commit("g", member, 1, Map.of(ORDERS_0, 5L))).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(h.commit("g", member, 2, Map.of(ORDERS_0, 6L))).containsEntry(ORDERS_0, Errors.ILLEGAL_GENERATION);
        assertThat(h.commit("g", "ghost", 1, Map.of(ORDERS_0, 6L))).containsEntry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID);
        // A simple (generation -1) commit to a group with members is from an unknown member.
        assertThat(h.commit("g", "", -1, Map.of(ORDERS_0, 6L))).containsEntry(ORDERS_0, Errors.UNKNOWN_MEMBER_ID);
        // A generation-based commit for a group this coordinator never saw is stale.
        assertThat(h.commit("unknown-group", "m", 3, Map.of(ORDERS_0, 6L))).containsEntry(ORDERS_0, Errors.ILLEGAL_GENERATION);
        assertThat(h.fetch("g", List.of(ORDERS_0))).containsEntry(ORDERS_0, 5L);
    }

    @Test
    void restartReloadsOffsetsAndGroupState() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String member = stableConsumer("g");
        h.commit("g", member, 1, Map.of(ORDERS_0, 100L, ORDERS_1, 200L));
        h.commit("simple", "", -1, Map.of(AUDIT_0, 9L));
        h.commit("simple", "", -1, Map.of(AUDIT_0, 10L));

        h.restart();

        assertThat(h.fetch("g", null)).containsOnly(Map.entry(ORDERS_0, 100L), Map.entry(ORDERS_1, 200L));
        assertThat(h.fetch("simple", null)).containsOnly(Map.entry(AUDIT_0, 10L));
        assertThat(listGroups("Stable")).containsExactly("g:Stable:consumer");
        // The member and its generation survived: it heartbeats and commits without rejoining.
        assertThat(h.heartbeat("g", member, 1)).isEqualTo(Errors.NONE);
        assertThat(h.commit("g", member, 1, Map.of(ORDERS_0, 101L))).containsEntry(ORDERS_0, Errors.NONE);
        assertThat(await(h.sync("g", member, 1, Map.of())).data().assignment()).containsExactly(1);
        // And the next rebalance continues from generation 1.
        JoinGroupResponse rejoin = await(h.join(joinData("g", member, null, 10_000, 5_000, subscription("orders"))));
        assertThat(rejoin.data().generationId()).isEqualTo(2);

        h.restart();
        assertThat(h.fetch("g", List.of(ORDERS_0))).containsEntry(ORDERS_0, 101L);
    }

    @Test
    void requestsBeforeLoadingAreToldToRetry() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        h.coordinator.close();
        h.startCoordinator(false);
        assertThat(h.heartbeat("g", "m", 1)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(await(h.join(joinData("g", "", null, 10_000, 5_000, subscription("orders")))).error())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(h.commit("g", "", -1, Map.of(ORDERS_0, 1L))).containsEntry(ORDERS_0, Errors.COORDINATOR_LOAD_IN_PROGRESS);
        ListGroupsResponse list = h.call(new ListGroupsRequest.Builder(new ListGroupsRequestData()), (short) 4);
        assertThat(list.data().errorCode()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        h.coordinator.start();
        assertThat(h.heartbeat("g", "m", 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void deleteGroupsOnlyDeletesEmptyGroupsAndTheDeletionSurvivesRestart() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String member = stableConsumer("g");
        h.commit("g", member, 1, Map.of(ORDERS_0, 5L));
        assertThat(delete("g", "missing")).containsOnly(
                Map.entry("g", Errors.NON_EMPTY_GROUP), Map.entry("missing", Errors.GROUP_ID_NOT_FOUND));

        h.leave("g", new MemberIdentity().setMemberId(member));
        assertThat(listGroups("Empty")).containsExactly("g:Empty:consumer");
        assertThat(delete("g")).containsOnly(Map.entry("g", Errors.NONE));
        assertThat(h.fetch("g", List.of(ORDERS_0))).containsEntry(ORDERS_0, -1L);
        assertThat(listGroups()).isEmpty();

        h.restart();
        assertThat(h.fetch("g", List.of(ORDERS_0))).containsEntry(ORDERS_0, -1L);
        assertThat(listGroups()).isEmpty();
        // The id is free again.
        assertThat(h.commit("g", "", -1, Map.of(ORDERS_0, 1L))).containsEntry(ORDERS_0, Errors.NONE);
    }

    private Map<String, Errors> delete(String... groups) {
        DeleteGroupsResponse r = h.call(new DeleteGroupsRequest.Builder(new DeleteGroupsRequestData()
                .setGroupsNames(List.of(groups))), ApiKeys.DELETE_GROUPS.latestVersion());
        return r.errors();
    }

    @Test
    void offsetDeleteRefusesSubscribedTopics() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        String member = stableConsumer("g");
        h.commit("g", member, 1, Map.of(ORDERS_0, 5L, AUDIT_0, 6L));

        OffsetDeleteRequestData d = new OffsetDeleteRequestData().setGroupId("g");
        d.topics().add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("orders")
                .setPartitions(List.of(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
        d.topics().add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("audit")
                .setPartitions(List.of(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponse r = h.call(new OffsetDeleteRequest.Builder(d), (short) 0);
        assertThat(r.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(r.data().topics().find("orders").partitions().find(0).errorCode())
                .isEqualTo(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code());
        assertThat(r.data().topics().find("audit").partitions().find(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(h.fetch("g", null)).containsOnly(Map.entry(ORDERS_0, 5L));

        h.restart();
        assertThat(h.fetch("g", null)).containsOnly(Map.entry(ORDERS_0, 5L));
        OffsetDeleteResponse missing = h.call(new OffsetDeleteRequest.Builder(new OffsetDeleteRequestData()
                .setGroupId("nope")), (short) 0);
        assertThat(missing.data().errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void offsetsOfEmptyGroupsExpireAfterRetentionAndTheGroupGoesAway() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        long retentionMs = h.config.offsetsRetentionMs();
        h.commit("simple", "", -1, Map.of(ORDERS_0, 1L));
        h.clock.advance(retentionMs / 2);
        h.commit("simple", "", -1, Map.of(ORDERS_1, 2L));
        String member = stableConsumer("live");
        h.commit("live", member, 1, Map.of(ORDERS_0, 3L, AUDIT_0, 4L));

        h.clock.advance(retentionMs / 2);
        // ORDERS_0 of "simple" is due; ORDERS_1 (committed later) is not. "live" is Stable: only the
        // topic it does not subscribe to ("audit") may expire.
        assertThat(h.coordinator.expireOffsets()).isEqualTo(1);
        assertThat(h.fetch("simple", null)).containsOnly(Map.entry(ORDERS_1, 2L));
        assertThat(h.fetch("live", null)).containsOnly(Map.entry(ORDERS_0, 3L), Map.entry(AUDIT_0, 4L));

        h.clock.advance(retentionMs / 2);
        assertThat(h.coordinator.expireOffsets()).isEqualTo(2);
        assertThat(h.fetch("simple", null)).isEmpty();
        assertThat(h.fetch("live", null)).containsOnly(Map.entry(ORDERS_0, 3L));
        assertThat(listGroups()).containsExactly("live:Stable:consumer");

        h.restart();
        assertThat(h.fetch("simple", null)).isEmpty();
        assertThat(h.fetch("live", null)).containsOnly(Map.entry(ORDERS_0, 3L));
        assertThat(listGroups()).containsExactly("live:Stable:consumer");
    }

    @Test
    void emptyConsumerGroupOffsetsExpireFromWhenTheGroupBecameEmpty() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        long retentionMs = h.config.offsetsRetentionMs();
        String member = stableConsumer("g");
        h.commit("g", member, 1, Map.of(ORDERS_0, 3L));
        h.clock.advance(retentionMs);
        assertThat(h.coordinator.expireOffsets()).isZero();
        h.leave("g", new MemberIdentity().setMemberId(member));
        h.clock.advance(retentionMs - 1);
        assertThat(h.coordinator.expireOffsets()).isZero();
        h.clock.advance(1);
        assertThat(h.coordinator.expireOffsets()).isEqualTo(1);
        assertThat(listGroups()).isEmpty();
    }

    @Test
    void tooLargeMetadataIsRefusedPerPartition() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        var d = new org.apache.kafka.common.message.OffsetCommitRequestData().setGroupId("s").setGenerationIdOrMemberEpoch(-1)
                .setMemberId("");
        d.topics().add(new org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t")
                .setPartitions(List.of(
                        new org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(1).setCommittedMetadata("x".repeat(5000)),
                        new org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(1).setCommittedOffset(1).setCommittedMetadata("ok"))));
        org.apache.kafka.common.requests.OffsetCommitResponse r = h.call(
                org.apache.kafka.common.requests.OffsetCommitRequest.Builder.forTopicNames(d), (short) 8);
        assertThat(r.data().topics().get(0).partitions()).extracting(p -> Errors.forCode(p.errorCode()))
                .containsExactly(Errors.OFFSET_METADATA_TOO_LARGE, Errors.NONE);
    }

    @Test
    void listGroupsFiltersByStateAndType() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        stableConsumer("stable-one");
        h.commit("empty-one", "", -1, Map.of(ORDERS_0, 1L));
        assertThat(listGroups("stable")).containsExactly("stable-one:Stable:consumer");
        assertThat(listGroups()).containsExactlyInAnyOrder("stable-one:Stable:consumer", "empty-one:Empty:");
        ListGroupsResponse consumerType = h.call(new ListGroupsRequest.Builder(new ListGroupsRequestData()
                .setTypesFilter(List.of("consumer"))), (short) 5);
        assertThat(consumerType.data().groups()).isEmpty();
        ListGroupsResponse classic = h.call(new ListGroupsRequest.Builder(new ListGroupsRequestData()
                .setTypesFilter(List.of("Classic"))), (short) 5);
        assertThat(classic.data().groups()).hasSize(2).allMatch(g -> g.groupType().equals("classic"));
    }
}
