package io.sluice.broker.group;

import io.sluice.broker.replication.CoordinatorWriteErrors;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * JoinGroup, SyncGroup, Heartbeat and LeaveGroup of the classic protocol, and the timers that drive
 * rebalances: the initial rebalance delay, the rebalance (join) timeout, the sync timeout and each
 * member's session timeout.
 *
 * <p>Every state change happens under the group's lock. Timer callbacks hop from the timer thread to
 * {@code executor} before taking a lock (the wheel thread must stay free), and check that the
 * {@link Timeout} that fired is still the group's current one, so a cancelled timer that raced
 * its cancellation does nothing. Parked JoinGroup/SyncGroup futures are completed on {@code executor}
 * so that no caller's continuation runs while a group lock is held.
 *
 * <p>Group records (the leader's assignment, a static member's new id) are answered once replicated:
 * meanwhile the group stays where it was (CompletingRebalance for an assignment), and the outcome,
 * handled on {@code executor}, only counts if the group has not moved on.
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);

    private final GroupRegistry registry;
    private final GroupConfig config;
    private final Timer timer;
    private final Executor executor;

    GroupMembership(GroupRegistry registry, Timer timer, Executor executor) {
        this.registry = registry;
        this.config = registry.config;
        this.timer = timer;
        this.executor = executor;
    }

    // ------------------------------------------------------------------------------------------ JoinGroup

    /** Completes once the member's join round ends (a rebalance may park it); the response as of {@code version}. */
    CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData data, short version, String clientId,
                                                       String clientHost) {
        CompletableFuture<JoinGroupResponseData> result = new CompletableFuture<>();
        join(data, version, clientId, clientHost, result);
        return result;
    }

    private void join(JoinGroupRequestData d, short version, String clientId, String clientHost,
                      CompletableFuture<JoinGroupResponseData> result) {
        Errors error = registry.check(d.groupId());
        if (error != Errors.NONE) {
            result.complete(joinError(d.memberId(), error));
            return;
        }
        if (d.sessionTimeoutMs() < config.minSessionTimeoutMs() || d.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            result.complete(joinError(d.memberId(), Errors.INVALID_SESSION_TIMEOUT));
            return;
        }
        List<GroupMember.Protocol> protocols = new ArrayList<>();
        d.protocols().forEach(p -> protocols.add(new GroupMember.Protocol(p.name(), p.metadata())));
        List<String> protocolNames = protocols.stream().map(GroupMember.Protocol::name).toList();
        int rebalanceTimeoutMs = d.rebalanceTimeoutMs() <= 0 ? d.sessionTimeoutMs() : d.rebalanceTimeoutMs();
        JoinParams p = new JoinParams(d.groupInstanceId(), clientId, clientHost, rebalanceTimeoutMs,
                d.sessionTimeoutMs(), d.protocolType(), protocols, version);

        boolean unknownMember = d.memberId().isEmpty();
        ClassicGroup group = unknownMember ? registry.getOrCreate(d.groupId()) : registry.get(d.groupId());
        if (group == null) {
            result.complete(joinError(d.memberId(), Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                // Deleted under us: the client rediscovers the coordinator and rejoins a fresh group.
                result.complete(joinError(d.memberId(), Errors.COORDINATOR_NOT_AVAILABLE));
                return;
            }
            if (!acceptJoiningMember(group, d.memberId())) {
                GroupMember existing = group.get(d.memberId());
                if (existing != null) {
                    removeMemberAndUpdateGroup(group, existing, "group is over group.max.size");
                }
                result.complete(joinError("", Errors.GROUP_MAX_SIZE_REACHED));
                return;
            }
            if (!group.supportsProtocols(d.protocolType(), protocolNames)) {
                result.complete(joinError(d.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL));
                return;
            }
            if (unknownMember) {
                joinUnknownMember(group, p, JoinGroupRequest.requiresKnownMemberId(d, version), result);
            } else {
                joinKnownMember(group, d.memberId(), p, result);
            }
        }
    }

    private record JoinParams(String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                              int sessionTimeoutMs, String protocolType, List<GroupMember.Protocol> protocols,
                              short version) {
    }

    private boolean acceptJoiningMember(ClassicGroup group, String memberId) {
        return switch (group.state()) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE -> (group.has(memberId) && group.get(memberId).awaitingJoin != null)
                    || group.numAwaitingJoin() < config.maxSize();
            default -> group.has(memberId) || group.size() < config.maxSize();
        };
    }

    private void joinUnknownMember(ClassicGroup group, JoinParams p, boolean requireKnownMemberId,
                                   CompletableFuture<JoinGroupResponseData> result) {
        String prefix = p.groupInstanceId() != null ? p.groupInstanceId() : p.clientId();
        String newMemberId = prefix + "-" + UUID.randomUUID();
        if (p.groupInstanceId() != null) {
            String oldMemberId = group.staticMembers.get(p.groupInstanceId());
            if (oldMemberId != null) {
                replaceStaticMember(group, oldMemberId, newMemberId, p, result);
            } else {
                addMemberAndRebalance(group, newMemberId, p, result);
            }
        } else if (requireKnownMemberId) {
            // KIP-394: hand out the id first, so a client whose JoinGroup times out does not leave an
            // unknown member behind; the group waits for it (up to its session timeout) before rebalancing.
            group.pendingMembers.add(newMemberId);
            timer.newTimeout(t -> executor.execute(() -> expirePendingMember(group, newMemberId)),
                    p.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
            result.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMemberAndRebalance(group, newMemberId, p, result);
        }
    }

    private void joinKnownMember(ClassicGroup group, String memberId, JoinParams p,
                                 CompletableFuture<JoinGroupResponseData> result) {
        if (group.pendingMembers.contains(memberId)) {
            addMemberAndRebalance(group, memberId, p, result);
            return;
        }
        if (group.isStaticMemberFenced(p.groupInstanceId(), memberId)) {
            result.complete(joinError(memberId, Errors.FENCED_INSTANCE_ID));
            return;
        }
        GroupMember member = group.get(memberId);
        if (member == null || (p.groupInstanceId() != null && !group.staticMembers.containsKey(p.groupInstanceId()))) {
            result.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, p, result);
            case COMPLETING_REBALANCE -> {
                if (member.matches(p.protocols())) {
                    // The member lost our JoinGroup response: send it again.
                    result.complete(currentJoinResult(group, member, group.isLeader(memberId), group.leaderId, false));
                } else {
                    updateMemberAndRebalance(group, member, p, result);
                }
            }
            case STABLE -> {
                if (group.isLeader(memberId) || !member.matches(p.protocols())) {
                    updateMemberAndRebalance(group, member, p, result);
                } else {
                    result.complete(currentJoinResult(group, member, false, group.leaderId, false));
                }
            }
            default -> result.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinParams p,
                                       CompletableFuture<JoinGroupResponseData> result) {
        GroupMember member = new GroupMember(memberId, p.groupInstanceId(), p.clientId(), p.clientHost(),
                p.rebalanceTimeoutMs(), p.sessionTimeoutMs(), p.protocols());
        member.awaitingJoin = result;
        group.pendingMembers.remove(memberId);
        group.add(member, p.protocolType());
        if (group.initialDelayRunning) {
            group.newMemberAdded = true;
        }
        touchHeartbeat(group, member, p.sessionTimeoutMs());
        rebalanceOrCheck(group, "member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinParams p,
                                          CompletableFuture<JoinGroupResponseData> result) {
        updateMember(member, p);
        if (member.awaitingJoin != null && member.awaitingJoin != result) {
            // A retried JoinGroup supersedes the parked one; whoever still waits on that one just retries.
            complete(member.awaitingJoin, joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        member.awaitingJoin = result;
        rebalanceOrCheck(group, "member " + member.memberId + " rejoined");
    }

    private static void updateMember(GroupMember member, JoinParams p) {
        member.protocols = List.copyOf(p.protocols());
        member.rebalanceTimeoutMs = p.rebalanceTimeoutMs();
        member.sessionTimeoutMs = p.sessionTimeoutMs();
        member.clientId = p.clientId();
        member.clientHost = p.clientHost();
    }

    /**
     * KIP-345: a static member that restarts rejoins with its instance id and no member id. It takes
     * over its old member's place (the old id is fenced); when nothing that matters changed, the group
     * keeps its generation and assignment instead of rebalancing.
     */
    private void replaceStaticMember(ClassicGroup group, String oldMemberId, String newMemberId, JoinParams p,
                                     CompletableFuture<JoinGroupResponseData> result) {
        GroupMember old = group.get(oldMemberId);
        if (old.awaitingJoin != null) {
            complete(old.awaitingJoin, joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            complete(old.awaitingSync, syncError(Errors.FENCED_INSTANCE_ID));
            old.awaitingSync = null;
        }
        String leaderBefore = group.leaderId;
        log.info("Static member {} of group {} rejoined: member {} replaces {} (fenced)", p.groupInstanceId(),
                group.groupId, newMemberId, oldMemberId);
        GroupMember member = group.replaceStaticMember(p.groupInstanceId(), oldMemberId, newMemberId);
        updateMember(member, p);
        touchHeartbeat(group, member, member.sessionTimeoutMs);
        switch (group.state()) {
            case STABLE -> {
                if (!group.selectProtocol().equals(group.protocolName)) {
                    member.awaitingJoin = result;
                    prepareRebalance(group, "static member " + p.groupInstanceId() + " changed protocols");
                    return;
                }
                boolean leader = group.isLeader(newMemberId);
                boolean skipAssignment = leader && JoinGroupRequest.supportsSkippingAssignment(p.version());
                // An older leader must not run an assignment the Stable group would ignore, so it is told
                // the previous leader id and acts as a follower.
                JoinGroupResponseData joined = currentJoinResult(group, member, skipAssignment,
                        skipAssignment ? group.leaderId : leaderBefore, skipAssignment);
                // The new member id is only handed out once the group record naming it is replicated.
                Errors refused = persist(group, currentAssignments(group), stored -> {
                    if (stored != Errors.NONE) {
                        synchronized (group) {
                            revertStaticMember(group, p.groupInstanceId(), newMemberId, old);
                        }
                    }
                    result.complete(stored == Errors.NONE ? joined : joinError("", stored));
                });
                if (refused != Errors.NONE) {
                    revertStaticMember(group, p.groupInstanceId(), newMemberId, old);
                    result.complete(joinError("", refused));
                }
            }
            case COMPLETING_REBALANCE -> {
                // The leader may already be assigning to the old member id: rebalance so the new id gets its share.
                member.awaitingJoin = result;
                prepareRebalance(group, "static member " + p.groupInstanceId() + " rejoined during sync");
            }
            case PREPARING_REBALANCE -> {
                member.awaitingJoin = result;
                checkJoinComplete(group);
            }
            default -> throw new IllegalStateException("Group " + group.groupId + " in " + group.state()
                    + " has static member " + p.groupInstanceId());
        }
    }

    /**
     * A static member's replacement could not be stored: the old member id is back, unless the
     * instance was replaced again or the group is gone meanwhile. Group lock held.
     */
    private void revertStaticMember(ClassicGroup group, String instanceId, String newMemberId, GroupMember old) {
        if (group.is(GroupState.DEAD) || !newMemberId.equals(group.staticMembers.get(instanceId))) {
            return;
        }
        GroupMember back = group.replaceStaticMember(instanceId, newMemberId, old.memberId);
        back.protocols = old.protocols;
        back.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
        back.sessionTimeoutMs = old.sessionTimeoutMs;
        back.clientId = old.clientId;
        back.clientHost = old.clientHost;
        touchHeartbeat(group, back, back.sessionTimeoutMs);
    }

    private static JoinGroupResponseData currentJoinResult(ClassicGroup group, GroupMember member, boolean withMembers,
                                                           String leaderId, boolean skipAssignment) {
        JoinGroupResponseData r = new JoinGroupResponseData()
                .setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generationId)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(leaderId == null ? "" : leaderId)
                .setMemberId(member.memberId)
                .setSkipAssignment(skipAssignment);
        if (withMembers) {
            for (GroupMember m : group.members.values()) {
                byte[] metadata = m.metadata(group.protocolName);
                r.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId)
                        .setMetadata(metadata == null ? GroupMember.EMPTY : metadata));
            }
        }
        return r;
    }

    static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData()
                .setErrorCode(error.code())
                .setGenerationId(-1)
                .setProtocolName(null)
                .setLeader("")
                .setMemberId(memberId == null ? "" : memberId);
    }

    // ---------------------------------------------------------------------------------------- rebalancing

    /** A membership change: start a rebalance, or if one is running, see whether it can complete. */
    private void rebalanceOrCheck(ClassicGroup group, String reason) {
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            checkJoinComplete(group);
        } else if (group.canRebalance()) {
            prepareRebalance(group, reason);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            resetAndPropagateAssignmentError(group, Errors.REBALANCE_IN_PROGRESS);
        }
        group.syncTimer = ClassicGroup.cancel(group.syncTimer);
        group.pendingSyncMembers.clear();
        boolean wasEmpty = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, registry.now());
        log.info("Preparing to rebalance group {} in generation {}: {}", group.groupId, group.generationId, reason);
        int rebalanceTimeoutMs = group.rebalanceTimeoutMs();
        // As in Kafka, the first round of an empty group always ends on the timer, even with a 0 ms
        // delay: consumers started together then join one generation rather than the first forming
        // it alone and the others forcing a second rebalance at once.
        if (wasEmpty) {
            int delay = config.initialRebalanceDelayMs();
            group.initialDelayRunning = true;
            group.newMemberAdded = false;
            scheduleInitialDelay(group, delay, Math.max(rebalanceTimeoutMs - delay, 0));
        } else {
            group.joinTimer = ClassicGroup.cancel(group.joinTimer);
            group.joinTimer = timer.newTimeout(t -> executor.execute(() -> {
                synchronized (group) {
                    if (group.joinTimer == t) {
                        completeJoin(group);
                    }
                }
            }), rebalanceTimeoutMs, TimeUnit.MILLISECONDS);
            checkJoinComplete(group);
        }
    }

    /**
     * The first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms} for more
     * members, again each time one arrived meanwhile, but no longer in total than the rebalance timeout.
     */
    private void scheduleInitialDelay(ClassicGroup group, int delayMs, int remainingMs) {
        group.joinTimer = ClassicGroup.cancel(group.joinTimer);
        group.joinTimer = timer.newTimeout(t -> executor.execute(() -> {
            synchronized (group) {
                if (group.joinTimer != t || !group.is(GroupState.PREPARING_REBALANCE)) {
                    return;
                }
                if (group.newMemberAdded && remainingMs > 0) {
                    group.newMemberAdded = false;
                    int next = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                    scheduleInitialDelay(group, next, Math.max(remainingMs - next, 0));
                } else {
                    group.initialDelayRunning = false;
                    completeJoin(group);
                }
            }
        }), delayMs, TimeUnit.MILLISECONDS);
    }

    private void checkJoinComplete(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelayRunning && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: members that did not rejoin are out, a new generation starts. */
    private void completeJoin(ClassicGroup group) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        group.joinTimer = ClassicGroup.cancel(group.joinTimer);
        group.initialDelayRunning = false;
        for (GroupMember m : group.memberList()) {
            if (m.awaitingJoin == null) {
                log.info("Removing member {} of group {}: it did not rejoin within the rebalance timeout",
                        m.memberId, group.groupId);
                m.heartbeatTimer = ClassicGroup.cancel(m.heartbeatTimer);
                group.remove(m.memberId);
            }
        }
        long now = registry.now();
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.transitionTo(GroupState.EMPTY, now);
            int generation = group.generationId;
            Consumer<Errors> warnIfLost = error -> {
                if (error != Errors.NONE) {
                    log.warn("Could not store empty group {} in generation {}: {}", group.groupId, generation, error);
                }
            };
            warnIfLost.accept(persist(group, Map.of(), warnIfLost));
            return;
        }
        group.protocolName = group.selectProtocol();
        group.transitionTo(GroupState.COMPLETING_REBALANCE, now);
        log.info("Group {} starts generation {} with {} members, protocol {}", group.groupId, group.generationId,
                group.size(), group.protocolName);
        for (GroupMember m : group.members.values()) {
            boolean leader = group.isLeader(m.memberId);
            complete(m.awaitingJoin, currentJoinResult(group, m, leader, group.leaderId, false));
            m.awaitingJoin = null;
            touchHeartbeat(group, m, m.sessionTimeoutMs);
            group.pendingSyncMembers.add(m.memberId);
        }
        int generation = group.generationId;
        group.syncTimer = timer.newTimeout(t -> executor.execute(() -> {
            synchronized (group) {
                if (group.syncTimer == t && group.generationId == generation) {
                    expirePendingSync(group);
                }
            }
        }), group.rebalanceTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /** Members of the new generation that never sent SyncGroup are removed, and the group rebalances. */
    private void expirePendingSync(ClassicGroup group) {
        if (!group.is(GroupState.COMPLETING_REBALANCE) && !group.is(GroupState.STABLE)) {
            return;
        }
        for (String memberId : List.copyOf(group.pendingSyncMembers)) {
            GroupMember m = group.get(memberId);
            if (m != null) {
                removeMemberAndUpdateGroup(group, m, "no SyncGroup within the rebalance timeout");
            }
        }
    }

    private void resetAndPropagateAssignmentError(ClassicGroup group, Errors error) {
        for (GroupMember m : group.members.values()) {
            m.assignment = GroupMember.EMPTY;
            if (m.awaitingSync != null) {
                complete(m.awaitingSync, syncError(error));
                m.awaitingSync = null;
            }
        }
    }

    private static Map<String, byte[]> currentAssignments(ClassicGroup group) {
        Map<String, byte[]> out = new HashMap<>();
        group.members.values().forEach(m -> out.put(m.memberId, m.assignment));
        return out;
    }

    /**
     * Appends the group's membership with these assignments. Group lock held.
     *
     * @param onReplicated on the coordinator thread, only if appended: NONE once the in-sync replicas
     *                     have the record, else the error to answer
     * @return NONE if appended, else the error to answer
     */
    private Errors persist(ClassicGroup group, Map<String, byte[]> assignments, Consumer<Errors> onReplicated) {
        List<GroupRecords.MemberValue> members = new ArrayList<>();
        for (GroupMember m : group.members.values()) {
            byte[] subscription = group.protocolName == null ? null : m.metadata(group.protocolName);
            members.add(new GroupRecords.MemberValue(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.sessionTimeoutMs,
                    subscription == null ? GroupMember.EMPTY : subscription,
                    assignments.getOrDefault(m.memberId, GroupMember.EMPTY)));
        }
        GroupRecords.GroupValue value = new GroupRecords.GroupValue(group.protocolType, group.generationId,
                group.protocolName, group.leaderId, group.stateTimestamp, members);
        try {
            SimpleRecord record = GroupStore.groupRecord(group.groupId, value, registry.now());
            registry.store.append(group.groupId, List.of(record),
                    replicated -> onReplicated.accept(CoordinatorWriteErrors.forCoordinatorWrite(replicated)));
            return Errors.NONE;
        } catch (RuntimeException e) {
            GroupOffsets.logRefusal("group " + group.groupId, e);
            return CoordinatorWriteErrors.forCoordinatorWrite(CoordinatorWriteErrors.appendError(e));
        }
    }

    // ------------------------------------------------------------------------------------------ SyncGroup

    CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData d) {
        CompletableFuture<SyncGroupResponseData> result = new CompletableFuture<>();
        sync(d, result);
        return result;
    }

    private void sync(SyncGroupRequestData d, CompletableFuture<SyncGroupResponseData> result) {
        Errors error = registry.check(d.groupId());
        if (error != Errors.NONE) {
            result.complete(syncError(error));
            return;
        }
        ClassicGroup group = registry.get(d.groupId());
        if (group == null) {
            result.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        synchronized (group) {
            error = validateMember(group, d.memberId(), d.groupInstanceId(), d.generationId());
            if (error == Errors.NONE && ((d.protocolType() != null && !d.protocolType().equals(group.protocolType))
                    || (d.protocolName() != null && !d.protocolName().equals(group.protocolName)))) {
                error = Errors.INCONSISTENT_GROUP_PROTOCOL;
            }
            if (error != Errors.NONE) {
                result.complete(syncError(error));
                return;
            }
            GroupMember member = group.get(d.memberId());
            switch (group.state()) {
                case PREPARING_REBALANCE -> result.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                case COMPLETING_REBALANCE -> {
                    member.awaitingSync = result;
                    group.pendingSyncMembers.remove(member.memberId);
                    touchHeartbeat(group, member, member.sessionTimeoutMs);
                    if (group.isLeader(member.memberId)) {
                        Map<String, byte[]> assignments = new HashMap<>();
                        d.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                        storeAssignment(group, assignments);
                    }
                }
                case STABLE -> {
                    group.pendingSyncMembers.remove(member.memberId);
                    touchHeartbeat(group, member, member.sessionTimeoutMs);
                    result.complete(new SyncGroupResponseData()
                            .setProtocolType(group.protocolType)
                            .setProtocolName(group.protocolName)
                            .setAssignment(member.assignment));
                }
                default -> result.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
    }

    /**
     * The leader's assignment: stored first; once replicated it is handed to every member and the group
     * is Stable. Until then the group stays CompletingRebalance and its members' SyncGroups wait.
     * Group lock held.
     */
    private void storeAssignment(ClassicGroup group, Map<String, byte[]> assignments) {
        int generation = group.generationId;
        Errors refused = persist(group, assignments, stored -> {
            synchronized (group) {
                // As in Kafka, the outcome only counts for the rebalance that wrote it: whatever ended
                // that one meanwhile has already answered the waiting members.
                if (group.is(GroupState.COMPLETING_REBALANCE) && group.generationId == generation) {
                    onAssignmentStored(group, assignments, stored);
                }
            }
        });
        if (refused != Errors.NONE) {
            onAssignmentStored(group, assignments, refused);
        }
    }

    private void onAssignmentStored(ClassicGroup group, Map<String, byte[]> assignments, Errors error) {
        if (error != Errors.NONE) {
            resetAndPropagateAssignmentError(group, error);
            prepareRebalance(group, "storing the assignment failed: " + error);
            return;
        }
        for (GroupMember m : group.members.values()) {
            m.assignment = assignments.getOrDefault(m.memberId, GroupMember.EMPTY);
            if (m.awaitingSync != null) {
                complete(m.awaitingSync, new SyncGroupResponseData()
                        .setProtocolType(group.protocolType)
                        .setProtocolName(group.protocolName)
                        .setAssignment(m.assignment));
                m.awaitingSync = null;
            }
        }
        group.transitionTo(GroupState.STABLE, registry.now());
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(GroupMember.EMPTY);
    }

    /** The checks SyncGroup, Heartbeat and OffsetCommit share, in Kafka's order. Group lock held. */
    static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!group.has(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (generationId != group.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        return Errors.NONE;
    }

    // ------------------------------------------------------------------------------------------ Heartbeat

    Errors heartbeat(HeartbeatRequestData d) {
        Errors error = registry.check(d.groupId());
        if (error != Errors.NONE) {
            return error;
        }
        ClassicGroup group = registry.get(d.groupId());
        if (group == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            if (group.is(GroupState.EMPTY)) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            error = validateMember(group, d.memberId(), d.groupInstanceId(), d.generationId());
            if (error != Errors.NONE) {
                return error;
            }
            GroupMember member = group.get(d.memberId());
            touchHeartbeat(group, member, member.sessionTimeoutMs);
            return group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
    }

    // ----------------------------------------------------------------------------------------- LeaveGroup

    /** Adds an answer per leaving member to {@code responses}; returns the group-level error. */
    Errors leave(String groupId, List<MemberIdentity> leaving, List<MemberResponse> responses) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return error;
        }
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            leaving.forEach(m -> responses.add(memberResponse(m, Errors.UNKNOWN_MEMBER_ID)));
            return Errors.NONE;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            for (MemberIdentity identity : leaving) {
                responses.add(memberResponse(identity, leaveOne(group, identity)));
            }
            return Errors.NONE;
        }
    }

    private Errors leaveOne(ClassicGroup group, MemberIdentity identity) {
        String memberId = identity.memberId();
        if (identity.groupInstanceId() != null) {
            String current = group.staticMembers.get(identity.groupInstanceId());
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            removeMemberAndUpdateGroup(group, group.get(current), "static member left");
            return Errors.NONE;
        }
        if (group.pendingMembers.remove(memberId)) {
            checkJoinComplete(group);
            return Errors.NONE;
        }
        GroupMember member = group.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        removeMemberAndUpdateGroup(group, member, "member left");
        return Errors.NONE;
    }

    private static MemberResponse memberResponse(MemberIdentity identity, Errors error) {
        return new MemberResponse()
                .setMemberId(identity.memberId())
                .setGroupInstanceId(identity.groupInstanceId())
                .setErrorCode(error.code());
    }

    private void removeMemberAndUpdateGroup(ClassicGroup group, GroupMember member, String reason) {
        log.info("Member {} leaves group {}: {}", member.memberId, group.groupId, reason);
        if (member.awaitingJoin != null) {
            complete(member.awaitingJoin, joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            complete(member.awaitingSync, syncError(Errors.UNKNOWN_MEMBER_ID));
            member.awaitingSync = null;
        }
        member.heartbeatTimer = ClassicGroup.cancel(member.heartbeatTimer);
        group.remove(member.memberId);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> checkJoinComplete(group);
            default -> {
            }
        }
    }

    // ----------------------------------------------------------------------------------- session timeouts

    /** The member proved alive: it may stay silent for {@code timeoutMs} more. Group lock held. */
    void touchHeartbeat(ClassicGroup group, GroupMember member, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        boolean earlier = member.heartbeatTimer != null && deadline < member.heartbeatDeadlineNanos;
        member.heartbeatDeadlineNanos = deadline;
        // One timer per member: when it fires early (the deadline moved on) it re-arms for the rest.
        if (member.heartbeatTimer == null || earlier) {
            scheduleHeartbeatCheck(group, member, timeoutMs);
        }
    }

    private void scheduleHeartbeatCheck(ClassicGroup group, GroupMember member, long delayMs) {
        ClassicGroup.cancel(member.heartbeatTimer);
        member.heartbeatTimer = timer.newTimeout(t -> executor.execute(() -> {
            synchronized (group) {
                if (member.heartbeatTimer != t || group.get(member.memberId) != member) {
                    return;
                }
                member.heartbeatTimer = null;
                long remainingNanos = member.heartbeatDeadlineNanos - System.nanoTime();
                if (remainingNanos > 0) {
                    scheduleHeartbeatCheck(group, member, Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos)));
                } else if (member.awaitingJoin != null || member.awaitingSync != null) {
                    // A parked request is proof of life; the rebalance and sync timeouts bound the wait.
                    scheduleHeartbeatCheck(group, member, member.sessionTimeoutMs);
                } else {
                    removeMemberAndUpdateGroup(group, member, "session timeout of " + member.sessionTimeoutMs
                            + " ms expired");
                }
            }
        }), delayMs, TimeUnit.MILLISECONDS);
    }

    private void expirePendingMember(ClassicGroup group, String memberId) {
        synchronized (group) {
            if (group.pendingMembers.remove(memberId)) {
                log.info("Pending member {} of group {} did not join in time", memberId, group.groupId);
                checkJoinComplete(group);
            }
        }
    }

    /** A loaded group's members get a full session timeout to reconnect to this coordinator. */
    void onGroupLoaded(ClassicGroup group) {
        synchronized (group) {
            for (GroupMember m : group.members.values()) {
                touchHeartbeat(group, m, m.sessionTimeoutMs);
            }
        }
    }

    /** Group lock held: the group is being deleted. */
    void onGroupDead(ClassicGroup group) {
        group.joinTimer = ClassicGroup.cancel(group.joinTimer);
        group.syncTimer = ClassicGroup.cancel(group.syncTimer);
        for (GroupMember m : group.members.values()) {
            m.heartbeatTimer = ClassicGroup.cancel(m.heartbeatTimer);
        }
    }

    /**
     * The coordinator is closing: timers stop, and parked requests are answered NOT_COORDINATOR so
     * clients look for the coordinator again instead of waiting out their request timeout.
     */
    void shutdown() {
        List<Runnable> answers = new ArrayList<>();
        for (ClassicGroup group : registry.all()) {
            synchronized (group) {
                onGroupDead(group);
                for (GroupMember m : group.members.values()) {
                    CompletableFuture<JoinGroupResponseData> join = m.awaitingJoin;
                    CompletableFuture<SyncGroupResponseData> sync = m.awaitingSync;
                    m.awaitingJoin = null;
                    m.awaitingSync = null;
                    if (join != null) {
                        answers.add(() -> join.complete(joinError(m.memberId, Errors.NOT_COORDINATOR)));
                    }
                    if (sync != null) {
                        answers.add(() -> sync.complete(syncError(Errors.NOT_COORDINATOR)));
                    }
                }
            }
        }
        answers.forEach(Runnable::run);
    }

    private <T> void complete(CompletableFuture<T> future, T value) {
        executor.execute(() -> future.complete(value));
    }
}
