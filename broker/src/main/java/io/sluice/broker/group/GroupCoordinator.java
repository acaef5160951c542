package io.sluice.broker.group;

import io.netty.util.HashedWheelTimer;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The classic group coordinator: group membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, with
 * static membership) and committed offsets, persisted in the compacted {@code __consumer_offsets}
 * topic. This broker coordinates every group whose offsets partition it has loaded.
 *
 * <p>Every write (offset commits, group assignments, deletions) is appended as leader of the group's
 * {@code __consumer_offsets} partition and answered only once its in-sync replicas hold it
 * ({@link ReplicatedAppender}), so an acknowledged commit survives the loss of this broker.
 *
 * <p>Threads: handlers run on the broker's request threads and never block on anything but the
 * leader append, never on replication: the same threads serve the followers' Fetch requests that
 * replication waits for. A {@link HashedWheelTimer} drives the rebalance and session timeouts and one
 * coordinator thread runs their callbacks, handles replication outcomes, completes parked
 * JoinGroup/SyncGroup requests and expires old offsets.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final long LOAD_RETRY_MS = 1_000;


    private final GroupConfig config;
    private final Supplier<Node> node;
    private final TopicIdResolver topicIds;
    private final GroupRegistry registry;
    private final HashedWheelTimer timer;
    private final ScheduledExecutorService executor;
    private final GroupMembership membership;
    private final GroupOffsets offsets;
    private volatile IntFunction<java.util.Optional<Node>> leaderOf;
    private volatile IntFunction<OptionalInt> leaderEpochOf;
    /** Coordinator thread only: the leader epoch each led partition was loaded at. */
    private final Map<Integer, Integer> loadedAtEpoch = new java.util.HashMap<>();

    /** Without topic ids: OffsetCommit and OffsetFetch are offered up to v9. */
    public GroupCoordinator(GroupConfig config, IntFunction<PartitionLog> offsetsTopicLogs, ReplicatedAppender appender,
                            Supplier<Node> node, Clock clock) {
        this(config, offsetsTopicLogs, appender, node, clock, null);
    }

    /**
     * @param offsetsTopicLogs the log of partition N of {@code __consumer_offsets}, already open; read
     *                         when this broker takes over the partition
     * @param appender         writes to {@code __consumer_offsets}, acknowledged once replicated
     * @param node             this broker, as clients reach it
     * @param clock            commit timestamps and offset expiry
     * @param topicIds         resolves topic ids for OffsetCommit/OffsetFetch v10+; null to not offer them
     */
    public GroupCoordinator(GroupConfig config, IntFunction<PartitionLog> offsetsTopicLogs, ReplicatedAppender appender,
                            Supplier<Node> node, Clock clock, TopicIdResolver topicIds) {
        this.config = config;
        this.node = node;
        this.topicIds = topicIds;
        this.timer = new HashedWheelTimer(r -> daemon(r, "group-coordinator-timer"), 10, TimeUnit.MILLISECONDS, 512);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "group-coordinator"));
        this.registry = new GroupRegistry(config,
                new GroupStore(config.offsetsTopicNumPartitions(), offsetsTopicLogs, appender, executor), clock);
        this.membership = new GroupMembership(registry, timer, executor);
        this.offsets = new GroupOffsets(registry, membership, topicIds);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public GroupConfig config() {
        return config;
    }

    /**
     * Loads every group and committed offset from the {@code __consumer_offsets} logs; until a
     * partition is loaded its groups get COORDINATOR_LOAD_IN_PROGRESS. Then starts offset expiry.
     */
    public void start() {
        for (int p = 0; p < config.offsetsTopicNumPartitions() && leaderOf == null; p++) {
            loadPartition(p);
        }
        long interval = config.offsetsRetentionCheckIntervalMs();
        executor.scheduleWithFixedDelay(this::expireOffsetsQuietly, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * With replicated {@code __consumer_offsets}: coordinate only the groups of partitions this broker
     * leads (told through {@link #onLeadershipChange}, checked against {@code leaderEpochOf}), send
     * FindCoordinator to the leader of the group's partition ({@code leaderOf}, empty while it has
     * none) and answer NOT_COORDINATOR for the rest. Call before {@link #start()}.
     */
    public void followLeadership(IntFunction<java.util.Optional<Node>> leaderOf, IntFunction<OptionalInt> leaderEpochOf) {
        this.leaderOf = leaderOf;
        this.leaderEpochOf = leaderEpochOf;
        registry.followLeadership();
    }

    /**
     * Leadership of {@code __consumer_offsets} partition {@code partition} changed. Such calls are hints
     * (they may arrive late or out of order): the coordinator thread settles against the current
     * leadership.
     */
    public void onLeadershipChange(int partition) {
        executor.execute(() -> reconcile(partition));
    }

    /**
     * Coordinator thread. Not leading: forget the partition's groups (members will find the new
     * leader). Leading at an epoch not loaded yet (first time, or again after another broker led it and
     * may have written): load its groups afresh.
     */
    private void reconcile(int partition) {
        OptionalInt epoch = leaderEpochOf.apply(partition);
        Integer loadedAt = loadedAtEpoch.get(partition);
        if (epoch.isPresent() && loadedAt != null && loadedAt == epoch.getAsInt() && registry.isLoaded(partition)) {
            return;
        }
        loadedAtEpoch.remove(partition);
        if (registry.owns(partition) && (registry.isLoaded(partition) || epoch.isEmpty())) {
            registry.unload(partition);
            log.info("Unloaded the groups of __consumer_offsets-{}", partition);
        }
        if (epoch.isEmpty()) {
            return;
        }
        registry.own(partition);
        try {
            loadPartition(partition);
            loadedAtEpoch.put(partition, epoch.getAsInt());
        } catch (RuntimeException e) {
            log.error("Cannot load __consumer_offsets-{}; trying again in {} ms", partition, LOAD_RETRY_MS, e);
            executor.schedule(() -> reconcile(partition), LOAD_RETRY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void loadPartition(int partition) {
        long started = System.nanoTime();
        Map<String, GroupStore.LoadedGroup> loaded = registry.store.load(partition);
        long now = registry.now();
        for (Map.Entry<String, GroupStore.LoadedGroup> e : loaded.entrySet()) {
            ClassicGroup group = toGroup(e.getKey(), e.getValue(), now);
            registry.put(group);
            membership.onGroupLoaded(group);
        }
        registry.markLoaded(partition);
        if (!loaded.isEmpty()) {
            log.info("Loaded {} groups from __consumer_offsets-{} in {} ms", loaded.size(), partition,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
    }

    private static ClassicGroup toGroup(String groupId, GroupStore.LoadedGroup loaded, long now) {
        GroupRecords.GroupValue v = loaded.metadata;
        ClassicGroup group;
        if (v == null) {
            group = new ClassicGroup(groupId, GroupState.EMPTY, now);
        } else {
            group = new ClassicGroup(groupId, v.members().isEmpty() ? GroupState.EMPTY : GroupState.STABLE,
                    v.stateTimestamp());
            group.protocolType = v.protocolType();
            group.generationId = v.generationId();
            group.protocolName = v.members().isEmpty() ? null : v.protocolName();
            for (GroupRecords.MemberValue m : v.members()) {
                GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                        m.rebalanceTimeoutMs(), m.sessionTimeoutMs(),
                        List.of(new GroupMember.Protocol(v.protocolName(), m.subscription())));
                member.assignment = m.assignment();
                group.add(member, v.protocolType());
            }
            if (v.leaderId() != null && group.has(v.leaderId())) {
                group.leaderId = v.leaderId();
            }
        }
        group.offsets.putAll(loaded.offsets);
        group.pendingTxnOffsets.putAll(loaded.pendingTxnOffsets);
        return group;
    }

    /** Runs offset expiry now (it also runs every {@code offsets.retention.check.interval.ms}). */
    public int expireOffsets() {
        return offsets.expireOffsets();
    }

    private void expireOffsetsQuietly() {
        try {
            offsets.expireOffsets();
        } catch (RuntimeException e) {
            log.error("Offset expiry failed", e);
        }
    }

    /**
     * The transaction coordinator wrote a commit/abort marker of {@code producerId} to
     * {@code __consumer_offsets} partition {@code partition}: pending transactional offsets there
     * become visible (commit) or are dropped (abort).
     */
    public void onTxnMarker(int partition, long producerId, boolean commit) {
        offsets.completeTxn(partition, producerId, commit);
    }

    /**
     * The broker that coordinates {@code groupId}: the leader of its {@code __consumer_offsets}
     * partition (empty while it has none), or this broker when offsets are not replicated.
     */
    public Optional<Node> coordinatorNode(String groupId) {
        return leaderOf == null ? Optional.of(node.get()) : leaderOf.apply(partitionFor(groupId));
    }

    /** Topic names and ids for OffsetCommit/OffsetFetch v10+; null when they are not offered. */
    public TopicIdResolver topicIds() {
        return topicIds;
    }

    /**
     * Why one partition of an OffsetCommit or TxnOffsetCommit cannot be committed, or NONE: the partition must
     * exist (Kafka checks its metadata before the group sees the commit) and its metadata fit.
     */
    public Errors commitError(TopicPartition tp, String metadata) {
        boolean exists = topicIds == null
                || tp.partition() >= 0 && tp.partition() < topicIds.partitionCount(tp.topic());
        if (!exists) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        return metadata.length() > GroupConfig.OFFSET_METADATA_MAX_BYTES ? Errors.OFFSET_METADATA_TOO_LARGE : Errors.NONE;
    }

    /** Coordinator time: commit timestamps and offset expiry. */
    public long now() {
        return registry.now();
    }

    // ------------------------------------------------------------------------- membership (JoinGroup ...)

    /** JoinGroup; completes when the member's join round ends (a rebalance may park it for a while). */
    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData request, short version,
                                                              String clientId, String clientHost) {
        return membership.joinGroup(request, version, clientId, clientHost);
    }

    /** SyncGroup; a follower's answer waits for the leader's assignment. */
    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        return membership.syncGroup(request);
    }

    public Errors heartbeat(HeartbeatRequestData request) {
        return membership.heartbeat(request);
    }

    /** LeaveGroup: adds an answer per leaving member to {@code responses}; returns the group-level error. */
    public Errors leaveGroup(String groupId, List<MemberIdentity> leaving, List<MemberResponse> responses) {
        return membership.leave(groupId, leaving, responses);
    }

    // ------------------------------------------------------------------------------------------- offsets

    /** OffsetCommit: completes with NONE once the offsets are replicated (and so visible), or with the error. */
    public CompletableFuture<Errors> commitOffsets(String groupId, String memberId, String groupInstanceId,
                                                   int generationId, Map<TopicPartition, CommittedOffset> offsets) {
        return this.offsets.commit(groupId, memberId, groupInstanceId, generationId, offsets);
    }

    /**
     * TxnOffsetCommit: the offsets stay pending, invisible to OffsetFetch, until the transaction's
     * marker arrives ({@link #onTxnMarker}); completes once the batch is replicated.
     */
    public CompletableFuture<Errors> commitTxnOffsets(TxnOffsetCommitRequestData request,
                                                      Map<TopicPartition, CommittedOffset> offsets, long now) {
        return this.offsets.txnCommit(request, offsets, now);
    }

    /** OffsetFetch of one group; {@code topics} null asks for all of them. */
    public OffsetFetchResponseGroup fetchOffsets(String groupId, List<OffsetFetchRequestTopics> topics, boolean useIds,
                                                 boolean requireStable) {
        return offsets.fetchGroup(groupId, topics, useIds, requireStable);
    }

    /** OffsetDelete: fills in per-partition errors; completes with the group-level error once replicated. */
    public CompletableFuture<Errors> deleteOffsets(String groupId, Map<TopicPartition, Errors> results) {
        return offsets.deleteOffsets(groupId, results);
    }

    /** DeleteGroups of one group: completes once the deletion is replicated, or with the error. */
    public CompletableFuture<Errors> deleteGroup(String groupId) {
        return offsets.deleteGroup(groupId);
    }

    /** The live group, or null (tests in this package hold its lock to order events deterministically). */
    ClassicGroup group(String groupId) {
        return registry.get(groupId);
    }

    /** The {@code __consumer_offsets} partition that holds this group. */
    public int partitionFor(String groupId) {
        return registry.store.partitionFor(groupId);
    }

    @Override
    public void close() {
        timer.stop();
        executor.shutdownNow();
        membership.shutdown();
    }

    // ------------------------------------------------------------------------------------ FindCoordinator

    // ------------------------------------------------------------------------------------- DescribeGroups

    /** DescribeGroups of one group, as of {@code version}. */
    public DescribedGroup describeGroup(String groupId, short version) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return DescribeGroupsResponse.groupError(groupId, error);
        }
        ClassicGroup group = registry.get(groupId);
        if (group != null) {
            synchronized (group) {
                if (!group.is(GroupState.DEAD)) {
                    return describe(group);
                }
            }
        }
        if (version >= 6) {
            return DescribeGroupsResponse.groupError(groupId, Errors.GROUP_ID_NOT_FOUND,
                    "Group " + groupId + " not found.");
        }
        return new DescribedGroup().setGroupId(groupId).setGroupState(GroupState.DEAD.displayName())
                .setProtocolType("").setProtocolData("");
    }

    /** Group lock held. Member metadata and assignments are only shown for a Stable group, as Kafka does. */
    private static DescribedGroup describe(ClassicGroup group) {
        boolean stable = group.is(GroupState.STABLE);
        List<DescribedGroupMember> members = new ArrayList<>();
        for (GroupMember m : group.members.values()) {
            byte[] metadata = stable ? m.metadata(group.protocolName) : null;
            members.add(new DescribedGroupMember()
                    .setMemberId(m.memberId)
                    .setGroupInstanceId(m.groupInstanceId)
                    .setClientId(m.clientId)
                    .setClientHost(m.clientHost)
                    .setMemberMetadata(metadata == null ? GroupMember.EMPTY : metadata)
                    .setMemberAssignment(stable ? m.assignment : GroupMember.EMPTY));
        }
        return new DescribedGroup()
                .setGroupId(group.groupId)
                .setErrorCode(Errors.NONE.code())
                .setGroupState(group.state().displayName())
                .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                .setProtocolData(stable && group.protocolName != null ? group.protocolName : "")
                .setMembers(members);
    }

    // ---------------------------------------------------------------------------------------- ListGroups

    public ListGroupsResponseData listGroups(ListGroupsRequestData d) {
        ListGroupsResponseData response = new ListGroupsResponseData();
        if (!registry.allLoaded()) {
            return response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        }
        Set<String> states = new HashSet<>();
        d.statesFilter().forEach(s -> states.add(s.toLowerCase(java.util.Locale.ROOT)));
        boolean classicWanted = d.typesFilter().isEmpty()
                || d.typesFilter().stream().anyMatch(t -> t.equalsIgnoreCase("classic"));
        if (classicWanted) {
            for (ClassicGroup group : registry.all()) {
                synchronized (group) {
                    String state = group.state().displayName();
                    if (group.is(GroupState.DEAD) || (!states.isEmpty() && !states.contains(state.toLowerCase(java.util.Locale.ROOT)))) {
                        continue;
                    }
                    response.groups().add(new ListGroupsResponseData.ListedGroup()
                            .setGroupId(group.groupId)
                            .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                            .setGroupState(state)
                            .setGroupType("classic"));
                }
            }
        }
        return response;
    }
}
