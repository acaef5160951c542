package io.sluice.broker.group;

import io.sluice.broker.api.FindCoordinatorHandler;
import io.sluice.broker.api.group.GroupApis;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A coordinator over real {@code __consumer_offsets} logs in a directory, driven through a real
 * {@link ApiRouter} with kafka-clients requests; every response goes through its wire format at the
 * request's version before the test sees it. Writes are appended to those logs at once and count as
 * replicated at once, unless the test holds their outcome ({@link #replication}).
 */
final class GroupHarness implements AutoCloseable {
    static final Node NODE = new Node(7, "broker-7.local", 9092);
    static final int PARTITIONS = 3;

    /** A clock tests move by hand (offset expiry); timers use real time. */
    static final class MutableClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        void advance(long ms) {
            millis.addAndGet(ms);
        }
    }

    final Path dir;
    final GroupConfig config;
    final MutableClock clock;
    private final AtomicInteger correlation = new AtomicInteger();
    private final Map<Integer, PartitionLog> logs = new HashMap<>();
    final HeldReplication replication = new HeldReplication(
            ReplicatedAppender.local(tp -> Optional.of(log(tp.partition()))));
    GroupCoordinator coordinator;
    ApiRouter router;

    GroupHarness(Path dir, GroupConfig config) {
        this(dir, config, new MutableClock());
    }

    GroupHarness(Path dir, GroupConfig config, MutableClock clock) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        startCoordinator(true);
    }

    static GroupConfig config(int initialDelayMs) {
        return new GroupConfig(initialDelayMs, 10, 60_000, 100, 60, 3_600_000L, PARTITIONS, 5_000);
    }

    synchronized PartitionLog log(int partition) {
        return logs.computeIfAbsent(partition, p -> PartitionLog.open(dir.resolve("__consumer_offsets-" + p),
                new TopicPartition("__consumer_offsets", p), LogConfig.defaults(Map.of("cleanup.policy", "compact"))));
    }

    void startCoordinator(boolean start) {
        coordinator = new GroupCoordinator(config, this::log, replication, () -> NODE, clock);
        router = new ApiRouter();
        GroupApis.register(router, coordinator);
        router.register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(coordinator::coordinatorNode, null));
        if (start) {
            coordinator.start();
        }
    }

    /** A broker restart: the coordinator and the logs are closed, the logs reopened from disk. */
    void restart() {
        coordinator.close();
        synchronized (this) {
            logs.values().forEach(PartitionLog::close);
            logs.clear();
        }
        startCoordinator(true);
    }

    @Override
    public void close() {
        coordinator.close();
        synchronized (this) {
            logs.values().forEach(PartitionLog::close);
        }
    }

    // ------------------------------------------------------------------------------------------ plumbing

    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> CompletableFuture<R> send(AbstractRequest.Builder<?> builder, short version) {
        AbstractRequest request = builder.build(version);
        ApiKeys api = request.apiKey();
        assertThat(router.supports(api, version)).as("%s v%d is served", api, version).isTrue();
        RequestHeader header = new RequestHeader(api, version, "client-" + api.id, correlation.incrementAndGet());
        ApiRequest apiRequest = new ApiRequest(header, request, "conn-1", InetAddress.getLoopbackAddress());
        return router.handler(api).handle(apiRequest).thenApply(r -> (R) roundTrip(api, r, version));
    }

    <R extends AbstractResponse> R call(AbstractRequest.Builder<?> builder, short version) {
        return this.<R>send(builder, version).join();
    }

    static AbstractResponse roundTrip(ApiKeys api, AbstractResponse response, short version) {
        ByteBufferAccessor out = MessageUtil.toByteBufferAccessor(response.data(), version);
        return AbstractResponse.parseResponse(api, new ByteBufferAccessor(out.buffer()), version);
    }

    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("No response within 10 s", e);
        }
    }

    // ----------------------------------------------------------------------------------------- requests

    static byte[] subscription(String... topics) {
        ByteBuffer buf = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(topics)));
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    static JoinGroupRequestData joinData(String group, String memberId, String instanceId, int sessionTimeoutMs,
                                         int rebalanceTimeoutMs, byte[] metadata, String... protocols) {
        JoinGroupRequestData d = new JoinGroupRequestData()
                .setGroupId(group)
                .setMemberId(memberId)
                .setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(sessionTimeoutMs)
                .setRebalanceTimeoutMs(rebalanceTimeoutMs)
                .setProtocolType("consumer");
        for (String p : protocols.length == 0 ? new String[]{"range"} : protocols) {
            d.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(p).setMetadata(metadata));
        }
        return d;
    }

    CompletableFuture<JoinGroupResponse> join(JoinGroupRequestData d) {
        return send(new JoinGroupRequest.Builder(d), ApiKeys.JOIN_GROUP.latestVersion());
    }

    CompletableFuture<JoinGroupResponse> join(JoinGroupRequestData d, short version) {
        return send(new JoinGroupRequest.Builder(d), version);
    }

    /** A dynamic member's first join (v4+: MEMBER_ID_REQUIRED, then again with that id); returns the parked join. */
    CompletableFuture<JoinGroupResponse> joinNew(String group, int sessionTimeoutMs, int rebalanceTimeoutMs,
                                                 byte[] metadata) {
        JoinGroupResponse first = await(join(joinData(group, "", null, sessionTimeoutMs, rebalanceTimeoutMs, metadata)));
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.data().memberId()).isNotEmpty();
        return join(joinData(group, first.data().memberId(), null, sessionTimeoutMs, rebalanceTimeoutMs, metadata));
    }

    CompletableFuture<SyncGroupResponse> sync(String group, String memberId, int generation,
                                              Map<String, byte[]> assignments) {
        return sync(group, memberId, null, generation, assignments);
    }

    CompletableFuture<SyncGroupResponse> sync(String group, String memberId, String instanceId, int generation,
                                              Map<String, byte[]> assignments) {
        SyncGroupRequestData d = new SyncGroupRequestData()
                .setGroupId(group).setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation)
                .setProtocolType("consumer").setProtocolName("range");
        assignments.forEach((m, a) -> d.assignments().add(
                new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
        return send(new SyncGroupRequest.Builder(d), ApiKeys.SYNC_GROUP.latestVersion());
    }

    Errors heartbeat(String group, String memberId, int generation) {
        return heartbeat(group, memberId, null, generation);
    }

    Errors heartbeat(String group, String memberId, String instanceId, int generation) {
        HeartbeatResponse r = call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId(group).setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation)),
                ApiKeys.HEARTBEAT.latestVersion());
        return r.error();
    }

    LeaveGroupResponse leave(String group, MemberIdentity... members) {
        return call(new LeaveGroupRequest.Builder(group, List.of(members)), ApiKeys.LEAVE_GROUP.latestVersion());
    }

    Map<TopicPartition, Errors> commit(String group, String memberId, int generation, Map<TopicPartition, Long> offsets) {
        return commit(group, memberId, generation, offsets, (short) 9);
    }

    Map<TopicPartition, Errors> commit(String group, String memberId, int generation, Map<TopicPartition, Long> offsets,
                                       short version) {
        return commitAsync(group, memberId, generation, offsets, version).join();
    }

    /** OffsetCommit, answered when the coordinator answers: error by partition. */
    CompletableFuture<Map<TopicPartition, Errors>> commitAsync(String group, String memberId, int generation,
                                                              Map<TopicPartition, Long> offsets, short version) {
        OffsetCommitRequestData d = new OffsetCommitRequestData()
                .setGroupId(group).setMemberId(memberId).setGenerationIdOrMemberEpoch(generation);
        Map<String, OffsetCommitRequestData.OffsetCommitRequestTopic> topics = new HashMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> {
            OffsetCommitRequestData.OffsetCommitRequestTopic rt = new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(t);
            d.topics().add(rt);
            return rt;
        }).partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                .setPartitionIndex(tp.partition()).setCommittedOffset(offset).setCommittedMetadata("m" + offset)
                .setCommittedLeaderEpoch(3)));
        return this.<OffsetCommitResponse>send(OffsetCommitRequest.Builder.forTopicNames(d), version).thenApply(r -> {
            Map<TopicPartition, Errors> out = new HashMap<>();
            r.data().topics().forEach(t -> t.partitions().forEach(p ->
                    out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
            return out;
        });
    }

    /** OffsetFetch v9 for one group; null partitions = all. Offsets (-1 when none) by partition. */
    Map<TopicPartition, Long> fetch(String group, List<TopicPartition> partitions) {
        OffsetFetchRequestData.OffsetFetchRequestGroup g = new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(group);
        if (partitions == null) {
            g.setTopics(null);
        } else {
            Map<String, OffsetFetchRequestData.OffsetFetchRequestTopics> topics = new HashMap<>();
            List<OffsetFetchRequestData.OffsetFetchRequestTopics> list = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                topics.computeIfAbsent(tp.topic(), t -> {
                    OffsetFetchRequestData.OffsetFetchRequestTopics rt = new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(t);
                    list.add(rt);
                    return rt;
                }).partitionIndexes().add(tp.partition());
            }
            g.setTopics(list);
        }
        OffsetFetchResponse r = call(OffsetFetchRequest.Builder.forTopicNames(
                new OffsetFetchRequestData().setGroups(List.of(g)), false), (short) 9);
        var group0 = r.data().groups().get(0);
        assertThat(Errors.forCode(group0.errorCode())).isEqualTo(Errors.NONE);
        Map<TopicPartition, Long> out = new HashMap<>();
        group0.topics().forEach(t -> t.partitions().forEach(p -> {
            assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.NONE);
            out.put(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset());
        }));
        return out;
    }
}
