package io.sluice.broker.group;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.sluice.broker.group.GroupHarness.await;
import static io.sluice.broker.group.GroupHarness.joinData;
import static io.sluice.broker.group.GroupHarness.subscription;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class GroupMembershipTest {
    private static final byte[] SUB = subscription("orders");

    @TempDir
    Path dir;
    GroupHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A formed, synced group: member ids in join order, leader, generation. */
    record Formed(List<String> members, String leader, int generation) {
        String follower() {
            return members.stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
        }
    }

    private Formed formStable(String group, int sessionTimeoutMs, int rebalanceTimeoutMs, String... instanceIds) {
        List<CompletableFuture<JoinGroupResponse>> joins = new java.util.ArrayList<>();
        for (String instance : instanceIds) {
            joins.add(instance == null ? h.joinNew(group, sessionTimeoutMs, rebalanceTimeoutMs, SUB)
                    : h.join(joinData(group, "", instance, sessionTimeoutMs, rebalanceTimeoutMs, SUB)));
        }
        List<JoinGroupResponse> responses = joins.stream().map(GroupHarness::await).toList();
        responses.forEach(r -> assertThat(r.error()).isEqualTo(Errors.NONE));
        int generation = responses.get(0).data().generationId();
        String leader = responses.get(0).data().leader();
        Map<String, byte[]> assignments = new HashMap<>();
        responses.forEach(r -> assignments.put(r.data().memberId(), bytes("assignment-" + r.data().memberId())));
        List<CompletableFuture<SyncGroupResponse>> syncs = new java.util.ArrayList<>();
        for (JoinGroupResponse r : responses) {
            String instance = instanceIds[responses.indexOf(r)];
            syncs.add(h.sync(group, r.data().memberId(), instance, generation,
                    r.data().memberId().equals(leader) ? assignments : Map.of()));
        }
        syncs.forEach(s -> assertThat(await(s).error()).isEqualTo(Errors.NONE));
        return new Formed(responses.stream().map(r -> r.data().memberId()).toList(), leader, generation);
    }

    private DescribeGroupsResponse describe(String group) {
        return h.call(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData().setGroups(List.of(group))),
                ApiKeys.DESCRIBE_GROUPS.latestVersion());
    }

    @Test
    void twoMembersJoinOneGenerationAndSyncDistributesTheLeadersAssignment() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        CompletableFuture<JoinGroupResponse> j1 = h.joinNew("g", 10_000, 5_000, subscription("orders"));
        CompletableFuture<JoinGroupResponse> j2 = h.joinNew("g", 10_000, 5_000, subscription("orders", "payments"));
        JoinGroupResponse r1 = await(j1);
        JoinGroupResponse r2 = await(j2);

        assertThat(r1.error()).isEqualTo(Errors.NONE);
        assertThat(r2.error()).isEqualTo(Errors.NONE);
        assertThat(r1.data().generationId()).isEqualTo(1).isEqualTo(r2.data().generationId());
        assertThat(r1.data().protocolName()).isEqualTo("range");
        assertThat(r1.data().leader()).isEqualTo(r2.data().leader()).isIn(r1.data().memberId(), r2.data().memberId());
        JoinGroupResponse leader = r1.isLeader() ? r1 : r2;
        JoinGroupResponse follower = r1.isLeader() ? r2 : r1;
        assertThat(leader.data().members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(r1.data().memberId(), r2.data().memberId());
        JoinGroupResponseMember second = leader.data().members().stream()
                .filter(m -> m.memberId().equals(r2.data().memberId())).findFirst().orElseThrow();
        assertThat(second.metadata()).isEqualTo(subscription("orders", "payments"));
        assertThat(follower.data().members()).isEmpty();

        CompletableFuture<SyncGroupResponse> followerSync = h.sync("g", follower.data().memberId(), 1, Map.of());
        assertThat(followerSync).isNotDone();
        CompletableFuture<SyncGroupResponse> leaderSync = h.sync("g", leader.data().memberId(), 1, Map.of(
                leader.data().memberId(), bytes("L"), follower.data().memberId(), bytes("F")));
        assertThat(await(leaderSync).data().assignment()).isEqualTo(bytes("L"));
        assertThat(await(followerSync).data().assignment()).isEqualTo(bytes("F"));

        var described = describe("g").data().groups().get(0);
        assertThat(described.groupState()).isEqualTo("Stable");
        assertThat(described.protocolData()).isEqualTo("range");
        assertThat(described.members()).hasSize(2);
        assertThat(h.heartbeat("g", follower.data().memberId(), 1)).isEqualTo(Errors.NONE);
    }

    @Test
    void withNoInitialDelayMembersJoiningTogetherStillFormOneGeneration() {
        // group.initial.rebalance.delay.ms=0 (what librdkafka's test suite runs with): Kafka still ends
        // the first round of an empty group on its timer, so consumers started together share generation 1
        // (librdkafka 0118_commit_rebalance relies on it). The group's lock, held here, keeps the timer's
        // completion from running before both joins are in, whatever the scheduling.
        h = new GroupHarness(dir, GroupHarness.config(0));
        String first = pendingMemberId("g");
        String second;
        CompletableFuture<JoinGroupResponse> j1;
        CompletableFuture<JoinGroupResponse> j2;
        synchronized (h.coordinator.group("g")) {
            j1 = h.join(joinData("g", first, null, 10_000, 5_000, SUB));
            // The second consumer's first JoinGroup comes only after the first one's full join.
            second = pendingMemberId("g");
            j2 = h.join(joinData("g", second, null, 10_000, 5_000, SUB));
        }
        JoinGroupResponse r1 = await(j1);
        JoinGroupResponse r2 = await(j2);
        assertThat(r1.error()).isEqualTo(Errors.NONE);
        assertThat(r2.error()).isEqualTo(Errors.NONE);
        assertThat(r1.data().generationId()).isEqualTo(1).isEqualTo(r2.data().generationId());
        assertThat((r1.isLeader() ? r1 : r2).data().members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(first, second);
    }

    private String pendingMemberId(String group) {
        JoinGroupResponse r = await(h.join(joinData(group, "", null, 10_000, 5_000, SUB)));
        assertThat(r.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return r.data().memberId();
    }

    @Test
    void aThirdMemberTriggersARebalanceSeenInHeartbeats() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        Formed f = formStable("g", 10_000, 5_000, (String) null);
        // The first member, alone when the (0 ms) initial delay ends, forms generation 1; the second rebalances to 2.
        CompletableFuture<JoinGroupResponse> second = h.joinNew("g", 10_000, 5_000, SUB);
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(second).isNotDone();
        JoinGroupResponse rejoin = await(h.join(joinData("g", f.leader(), null, 10_000, 5_000, SUB)));
        JoinGroupResponse secondResponse = await(second);
        assertThat(rejoin.data().generationId()).isEqualTo(f.generation() + 1).isEqualTo(secondResponse.data().generationId());
        assertThat(rejoin.data().members()).hasSize(2);
        // Old generation is refused once the new one exists.
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(await(h.sync("g", f.leader(), f.generation(), Map.of())).error()).isEqualTo(Errors.ILLEGAL_GENERATION);
        // Heartbeats during CompletingRebalance are fine.
        assertThat(h.heartbeat("g", f.leader(), f.generation() + 1)).isEqualTo(Errors.NONE);
    }

    @Test
    void memberWithoutHeartbeatsIsRemovedAfterItsSessionTimeout() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        CompletableFuture<JoinGroupResponse> j1 = h.joinNew("g", 10_000, 5_000, SUB);
        CompletableFuture<JoinGroupResponse> j2 = h.joinNew("g", 400, 5_000, SUB);
        JoinGroupResponse r1 = await(j1);
        JoinGroupResponse r2 = await(j2);
        String m1 = r1.data().memberId();
        String m2 = r2.data().memberId();
        String leader = r1.data().leader();
        CompletableFuture<SyncGroupResponse> s1 = h.sync("g", m1, 1, leader.equals(m1) ? Map.of(m1, bytes("a"), m2, bytes("b")) : Map.of());
        CompletableFuture<SyncGroupResponse> s2 = h.sync("g", m2, 1, leader.equals(m2) ? Map.of(m1, bytes("a"), m2, bytes("b")) : Map.of());
        await(s1);
        await(s2);
        // m1 keeps heartbeating; m2 goes silent and is expired after ~400 ms.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> h.heartbeat("g", m1, 1) == Errors.REBALANCE_IN_PROGRESS);
        assertThat(h.heartbeat("g", m2, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        JoinGroupResponse alone = await(h.join(joinData("g", m1, null, 10_000, 5_000, SUB)));
        assertThat(alone.data().generationId()).isEqualTo(2);
        assertThat(alone.data().members()).extracting(JoinGroupResponseMember::memberId).containsExactly(m1);
    }

    @Test
    void membersThatDoNotRejoinWithinTheRebalanceTimeoutAreRemoved() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        Formed f = formStable("g", 30_000, 500, (String) null);
        CompletableFuture<JoinGroupResponse> newcomer = h.joinNew("g", 30_000, 500, SUB);
        // The old member never rejoins: after the 500 ms rebalance timeout the newcomer forms generation 2 alone.
        JoinGroupResponse r = await(newcomer);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.data().generationId()).isEqualTo(f.generation() + 1);
        assertThat(r.data().members()).extracting(JoinGroupResponseMember::memberId).containsExactly(r.data().memberId());
        assertThat(r.data().leader()).isEqualTo(r.data().memberId());
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void leaveTriggersRebalanceAndTheLastLeaveEmptiesTheGroup() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        Formed f = formStable("g", 10_000, 5_000, null, null);
        LeaveGroupResponse left = h.leave("g", new MemberIdentity().setMemberId(f.follower()));
        assertThat(left.topLevelError()).isEqualTo(Errors.NONE);
        assertThat(left.memberResponses()).singleElement()
                .satisfies(m -> assertThat(m.errorCode()).isEqualTo(Errors.NONE.code()));
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponse r = await(h.join(joinData("g", f.leader(), null, 10_000, 5_000, SUB)));
        assertThat(r.data().generationId()).isEqualTo(f.generation() + 1);
        assertThat(r.data().members()).hasSize(1);

        LeaveGroupResponse unknown = h.leave("g", new MemberIdentity().setMemberId("nobody"),
                new MemberIdentity().setMemberId(f.leader()));
        assertThat(unknown.memberResponses()).extracting(m -> Errors.forCode(m.errorCode()))
                .containsExactly(Errors.UNKNOWN_MEMBER_ID, Errors.NONE);
        assertThat(describe("g").data().groups().get(0).groupState()).isEqualTo("Empty");
    }

    @Test
    void staticMemberRejoinsWithoutRebalanceAndItsOldIdIsFenced() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        Formed f = formStable("g", 10_000, 5_000, "instance-a", "instance-b");
        String oldA = f.members().get(0);
        String b = f.members().get(1);

        JoinGroupResponse rejoin = await(h.join(joinData("g", "", "instance-a", 10_000, 5_000, SUB)));
        assertThat(rejoin.error()).isEqualTo(Errors.NONE);
        String newA = rejoin.data().memberId();
        assertThat(newA).startsWith("instance-a-").isNotEqualTo(oldA);
        assertThat(rejoin.data().generationId()).isEqualTo(f.generation());

        // No rebalance: b still heartbeats normally; the replaced id is fenced.
        assertThat(h.heartbeat("g", b, "instance-b", f.generation())).isEqualTo(Errors.NONE);
        assertThat(h.heartbeat("g", oldA, "instance-a", f.generation())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(h.heartbeat("g", newA, "instance-a", f.generation())).isEqualTo(Errors.NONE);
        // The new id keeps the old assignment.
        SyncGroupResponse sync = await(h.sync("g", newA, "instance-a", f.generation(), Map.of()));
        assertThat(sync.data().assignment()).isEqualTo(bytes("assignment-" + oldA));
        assertThat(h.commit("g", oldA, f.generation(), Map.of())).isEmpty();

        // A static member leaves only by instance id; the wrong member id for it is fenced.
        LeaveGroupResponse fenced = h.leave("g", new MemberIdentity().setMemberId(oldA).setGroupInstanceId("instance-a"));
        assertThat(fenced.memberResponses().get(0).errorCode()).isEqualTo(Errors.FENCED_INSTANCE_ID.code());
        LeaveGroupResponse left = h.leave("g", new MemberIdentity().setMemberId("").setGroupInstanceId("instance-a"));
        assertThat(left.memberResponses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(h.heartbeat("g", b, "instance-b", f.generation())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void staticMemberWithChangedProtocolsTriggersRebalance() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        Formed f = formStable("g", 10_000, 5_000, "instance-a", "instance-b");
        CompletableFuture<JoinGroupResponse> rejoin = h.join(joinData("g", "", "instance-a", 10_000, 5_000, SUB,
                "cooperative-sticky", "range"));
        // Selected protocol stays "range" (only one everyone supports), so still no rebalance.
        assertThat(await(rejoin).data().generationId()).isEqualTo(f.generation());
        CompletableFuture<JoinGroupResponse> bSwitch = h.join(joinData("g", f.members().get(1), "instance-b", 10_000,
                5_000, SUB, "cooperative-sticky", "range"));
        // b changed its protocols with a known member id: that is a rebalance, waiting for a to rejoin.
        assertThat(bSwitch).isNotDone();
        assertThat(h.heartbeat("g", await(rejoin).data().memberId(), "instance-a", f.generation()))
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void joinV4WithoutMemberIdIsAskedForOneButOlderVersionsJoinDirectly() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        JoinGroupResponse v4 = await(h.join(joinData("g", "", null, 10_000, 5_000, SUB), (short) 4));
        assertThat(v4.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(v4.data().memberId()).startsWith("client-11-");
        assertThat(describe("g").data().groups().get(0).members()).isEmpty();

        JoinGroupResponse v3 = await(h.join(joinData("old", "", null, 10_000, 5_000, SUB), (short) 3));
        assertThat(v3.error()).isEqualTo(Errors.NONE);
        assertThat(v3.data().generationId()).isEqualTo(1);
        assertThat(v3.data().leader()).isEqualTo(v3.data().memberId());
    }

    @Test
    void pendingMemberIdHoldsTheRebalanceUntilItJoins() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        Formed f = formStable("g", 10_000, 5_000, (String) null);
        JoinGroupResponse asked = await(h.join(joinData("g", "", null, 10_000, 5_000, SUB)));
        // A pending member alone does not rebalance.
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.NONE);
        CompletableFuture<JoinGroupResponse> joined = h.join(joinData("g", asked.data().memberId(), null, 10_000, 5_000, SUB));
        assertThat(h.heartbeat("g", f.leader(), f.generation())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        await(h.join(joinData("g", f.leader(), null, 10_000, 5_000, SUB)));
        assertThat(await(joined).data().generationId()).isEqualTo(f.generation() + 1);
    }

    @Test
    void requestErrors() {
        h = new GroupHarness(dir, GroupHarness.config(0));
        Formed f = formStable("g", 10_000, 5_000, (String) null);
        assertThat(h.heartbeat("g", "ghost", f.generation())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(h.heartbeat("g", f.leader(), f.generation() + 5)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(h.heartbeat("no-such-group", "x", 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(await(h.sync("g", "ghost", f.generation(), Map.of())).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(await(h.join(joinData("g", "ghost", null, 10_000, 5_000, SUB))).error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(await(h.join(joinData("g", "", null, 5, 5_000, SUB))).error())
                .isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(await(h.join(joinData("g", "", null, 10_000, 5_000, SUB, "roundrobin"))).error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(await(h.join(joinData("", "", null, 10_000, 5_000, SUB))).error()).isEqualTo(Errors.INVALID_GROUP_ID);
        var differentType = joinData("g", "", null, 10_000, 5_000, SUB).setProtocolType("connect");
        assertThat(await(h.join(differentType)).error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void groupMaxSizeIsEnforced() {
        h = new GroupHarness(dir, new GroupConfig(0, 10, 60_000, 1, 60, 3_600_000L, GroupHarness.PARTITIONS, 5_000));
        formStable("g", 10_000, 5_000, (String) null);
        JoinGroupResponse asked = await(h.join(joinData("g", "", null, 10_000, 5_000, SUB)));
        JoinGroupResponse second = await(h.join(joinData("g", asked.data().memberId(), null, 10_000, 5_000, SUB)));
        assertThat(second.error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
    }

    @Test
    void anyProtocolTypeWorksAndSelectionFollowsVotes() {
        h = new GroupHarness(dir, GroupHarness.config(300));
        var a = joinData("workers", "", null, 10_000, 5_000, bytes("a"), "v2", "v1").setProtocolType("connect");
        var b = joinData("workers", "", null, 10_000, 5_000, bytes("b"), "v1", "v2").setProtocolType("connect");
        var c = joinData("workers", "", null, 10_000, 5_000, bytes("c"), "v1", "v0").setProtocolType("connect");
        String ida = await(h.join(a)).data().memberId();
        String idb = await(h.join(b)).data().memberId();
        String idc = await(h.join(c)).data().memberId();
        var ja = h.join(a.setMemberId(ida));
        var jb = h.join(b.setMemberId(idb));
        var jc = h.join(c.setMemberId(idc));
        // Only v1 is supported by all three.
        assertThat(await(ja).data().protocolName()).isEqualTo("v1");
        assertThat(await(jb).data().protocolType()).isEqualTo("connect");
        assertThat(await(jc).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void concurrentJoinsFromManyThreadsFormOneGeneration() throws Exception {
        h = new GroupHarness(dir, GroupHarness.config(500));
        int n = 8;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<JoinGroupResponse>> joins = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                joins.add(pool.submit(() -> await(h.joinNew("busy", 10_000, 5_000, SUB))));
            }
            List<JoinGroupResponse> responses = new java.util.ArrayList<>();
            for (var j : joins) {
                responses.add(j.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertThat(responses).allSatisfy(r -> assertThat(r.error()).isEqualTo(Errors.NONE));
            assertThat(responses).extracting(r -> r.data().generationId()).containsOnly(1);
            assertThat(responses).extracting(r -> r.data().leader()).containsOnly(responses.get(0).data().leader());
            assertThat(responses.stream().filter(JoinGroupResponse::isLeader).findFirst().orElseThrow().data().members())
                    .hasSize(n);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingAnswersParkedJoinsWithNotCoordinator() {
        h = new GroupHarness(dir, GroupHarness.config(60_000));
        CompletableFuture<JoinGroupResponse> parked = h.joinNew("g", 10_000, 120_000, SUB);
        assertThat(parked).isNotDone();
        h.coordinator.close();
        assertThat(await(parked).error()).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void groupStateMachineRefusesIllegalTransitions() {
        ClassicGroup g = new ClassicGroup("g", GroupState.EMPTY, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.transitionTo(GroupState.STABLE, 1))
                .isInstanceOf(IllegalStateException.class);
        g.transitionTo(GroupState.PREPARING_REBALANCE, 1);
        g.transitionTo(GroupState.COMPLETING_REBALANCE, 2);
        g.transitionTo(GroupState.STABLE, 3);
        assertThat(g.stateTimestamp).isEqualTo(3);
        g.transitionTo(GroupState.DEAD, 4);
        assertThat(g.is(GroupState.DEAD)).isTrue();
    }
}
