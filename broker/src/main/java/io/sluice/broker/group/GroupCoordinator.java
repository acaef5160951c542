package io.sluice.broker.group;

import io.netty.util.HashedWheelTimer;
import io.sluice.broker.api.ApiRequest;
import io.sluice.broker.api.AuthorizedOperations;
import io.sluice.broker.api.ApiRouter;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
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
import java.util.function.Function;
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

    /** FindCoordinator key types (KIP-98, KIP-932). */
    private static final byte KEY_TYPE_GROUP = 0;
    private static final byte KEY_TYPE_TRANSACTION = 1;
    /** Highest OffsetCommit / OffsetFetch version that names topics rather than topic ids. */
    private static final short LAST_VERSION_BY_TOPIC_NAME = 9;

    private final GroupConfig config;
    private final Supplier<Node> node;
    private final TopicIdResolver topicIds;
    private final GroupRegistry registry;
    private final HashedWheelTimer timer;
    private final ScheduledExecutorService executor;
    private final GroupMembership membership;
    private final GroupOffsets offsets;
    /** The transaction coordinator of a transactional id (empty while unknown); null without transactions. */
    private volatile Function<String, Optional<Node>> transactionCoordinators;
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

    public void registerApis(ApiRouter router) {
        short maxOffsetVersion = topicIds != null ? ApiKeys.OFFSET_COMMIT.latestVersion() : LAST_VERSION_BY_TOPIC_NAME;
        short maxFetchVersion = topicIds != null ? ApiKeys.OFFSET_FETCH.latestVersion() : LAST_VERSION_BY_TOPIC_NAME;
        router.register(ApiKeys.FIND_COORDINATOR, this::findCoordinator)
                .register(ApiKeys.JOIN_GROUP, membership::joinGroup)
                .register(ApiKeys.SYNC_GROUP, membership::syncGroup)
                .register(ApiKeys.HEARTBEAT, membership::heartbeat)
                .register(ApiKeys.LEAVE_GROUP, membership::leaveGroup)
                .register(ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_COMMIT.oldestVersion(), maxOffsetVersion,
                        offsets::offsetCommit)
                .register(ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_FETCH.oldestVersion(), maxFetchVersion,
                        offsets::offsetFetch)
                .register(ApiKeys.DESCRIBE_GROUPS, this::describeGroups)
                .register(ApiKeys.LIST_GROUPS, this::listGroups)
                .register(ApiKeys.DELETE_GROUPS, offsets::deleteGroups)
                .register(ApiKeys.OFFSET_DELETE, offsets::offsetDelete);
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
     * TxnOffsetCommit; registered by the transaction coordinator's wiring (not by {@link #registerApis})
     * so that it is only advertised when transactions can be completed.
     */
    public CompletableFuture<AbstractResponse> txnOffsetCommit(ApiRequest request) {
        return offsets.txnOffsetCommit(request);
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
     * Makes FindCoordinator answer key type TRANSACTION with the broker {@code coordinators} names for
     * the transactional id; null (no transactions) answers COORDINATOR_NOT_AVAILABLE.
     */
    public void transactionCoordinators(Function<String, Optional<Node>> coordinators) {
        this.transactionCoordinators = coordinators;
    }

    /** The {@code __consumer_offsets} partition that holds this group. */
    /** The live group, or null (tests in this package hold its lock to order events deterministically). */
    ClassicGroup group(String groupId) {
        return registry.get(groupId);
    }

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

    private CompletableFuture<AbstractResponse> findCoordinator(ApiRequest request) {
        FindCoordinatorRequestData d = request.body(FindCoordinatorRequest.class).data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() >= 4) {
            for (String key : d.coordinatorKeys()) {
                response.coordinators().add(coordinatorFor(d.keyType(), key));
            }
        } else {
            FindCoordinatorResponseData.Coordinator c = coordinatorFor(d.keyType(), d.key());
            response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                    .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
        }
        return CompletableFuture.completedFuture(new FindCoordinatorResponse(response));
    }

    private FindCoordinatorResponseData.Coordinator coordinatorFor(byte keyType, String key) {
        Errors error = switch (keyType) {
            case KEY_TYPE_GROUP -> key == null || key.isEmpty() ? Errors.INVALID_GROUP_ID : Errors.NONE;
            case KEY_TYPE_TRANSACTION -> key == null || key.isEmpty() ? Errors.INVALID_REQUEST
                    : transactionCoordinators != null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
            default -> Errors.INVALID_REQUEST;
        };
        Function<String, Optional<Node>> txnCoordinators = transactionCoordinators;
        Node n;
        if (error != Errors.NONE) {
            n = Node.noNode();
        } else if (keyType == KEY_TYPE_TRANSACTION) {
            n = txnCoordinators == null ? Node.noNode() : txnCoordinators.apply(key).orElse(Node.noNode());
        } else {
            n = leaderOf == null ? node.get() : leaderOf.apply(partitionFor(key)).orElse(Node.noNode());
        }
        if (n.isEmpty() && error == Errors.NONE) {
            error = Errors.COORDINATOR_NOT_AVAILABLE;
        }
        return new FindCoordinatorResponseData.Coordinator()
                .setKey(key)
                .setErrorCode(error.code())
                .setErrorMessage(error == Errors.NONE ? null : error.message())
                .setNodeId(n.id())
                .setHost(n.host())
                .setPort(n.port());
    }

    // ------------------------------------------------------------------------------------- DescribeGroups

    private CompletableFuture<AbstractResponse> describeGroups(ApiRequest request) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        DescribeGroupsRequestData data = request.body(DescribeGroupsRequest.class).data();
        for (String groupId : data.groups()) {
            DescribedGroup described = describe(groupId, request.version());
            if (data.includeAuthorizedOperations() && described.errorCode() == Errors.NONE.code()) {
                described.setAuthorizedOperations(AuthorizedOperations.GROUP);
            }
            response.groups().add(described);
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(response));
    }

    private DescribedGroup describe(String groupId, short version) {
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

    private CompletableFuture<AbstractResponse> listGroups(ApiRequest request) {
        ListGroupsRequestData d = request.body(ListGroupsRequest.class).data();
        ListGroupsResponseData response = new ListGroupsResponseData();
        if (!registry.allLoaded()) {
            response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
            return CompletableFuture.completedFuture(new ListGroupsResponse(response));
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
        return CompletableFuture.completedFuture(new ListGroupsResponse(response));
    }
}
