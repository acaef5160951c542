package io.sluice.broker.group;

import io.sluice.broker.replication.CoordinatorWriteErrors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, DeleteGroups and offset expiry. Each
 * change is appended to the group's {@code __consumer_offsets} partition first and answered once the
 * in-sync replicas hold it. A committed offset reaches {@link ClassicGroup#offsets}, which OffsetFetch
 * reads, only once replicated; until then it is staged in {@link ClassicGroup#pendingOffsets}, so a
 * client never reads an offset that a new coordinator could have lost. Deletions leave the cache as
 * soon as they are appended, as in Kafka.
 */
final class GroupOffsets {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsets.class);

    private final GroupRegistry registry;
    private final GroupMembership membership;
    /** Null when topic ids are not known here: versions that name topics by id are then not offered. */
    private final TopicIdResolver topicIds;

    GroupOffsets(GroupRegistry registry, GroupMembership membership, TopicIdResolver topicIds) {
        this.registry = registry;
        this.membership = membership;
        this.topicIds = topicIds;
    }

    // --------------------------------------------------------------------------------------- OffsetCommit

    /**
     * Checks the commit against the group, appends it and stages its offsets; completes with NONE once
     * the offsets are replicated, and so visible, or with the error to answer.
     */
    CompletableFuture<Errors> commit(String groupId, String memberId, String groupInstanceId, int generationId,
                                             Map<TopicPartition, CommittedOffset> offsets) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        ClassicGroup found = registry.get(groupId);
        if (found == null) {
            if (generationId >= 0) {
                // A member of a generation this coordinator never saw: a stale commit.
                return CompletableFuture.completedFuture(Errors.ILLEGAL_GENERATION);
            }
            if (offsets.isEmpty()) {
                // Nothing left to store (every partition rejected): no group to create, or ListGroups shows a phantom.
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            // A consumer that assigns partitions itself: the group only stores offsets.
            found = registry.getOrCreate(groupId);
        }
        ClassicGroup group = found;
        synchronized (group) {
            error = checkCommit(group, memberId, groupInstanceId, generationId);
            if (error != Errors.NONE || offsets.isEmpty()) {
                return CompletableFuture.completedFuture(error);
            }
            long now = registry.now();
            List<SimpleRecord> records = new ArrayList<>();
            offsets.forEach((tp, o) -> records.add(GroupStore.offsetRecord(groupId, tp, o, now)));
            CompletableFuture<Errors> answer = new CompletableFuture<>();
            try {
                registry.store.append(groupId, records, replicated -> onCommitReplicated(group, offsets, replicated, answer));
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(refused("offsets of group " + groupId, e));
            }
            offsets.forEach(group::stageOffset);
            return answer;
        }
    }

    /** Whether this member may commit now; touches its heartbeat if so. Group lock held. */
    private Errors checkCommit(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (generationId < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        if (!group.has(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (generationId != group.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        GroupMember member = group.get(memberId);
        membership.touchHeartbeat(group, member, member.sessionTimeoutMs);
        return Errors.NONE;
    }

    /** Coordinator thread: the staged offsets become visible, or are dropped; then the client is answered. */
    private static void onCommitReplicated(ClassicGroup group, Map<TopicPartition, CommittedOffset> offsets,
                                           Errors replicated, CompletableFuture<Errors> answer) {
        synchronized (group) {
            offsets.forEach((tp, o) -> {
                if (replicated == Errors.NONE) {
                    group.offsetReplicated(tp, o);
                } else {
                    group.offsetNotReplicated(tp, o);
                }
            });
        }
        if (replicated != Errors.NONE) {
            log.warn("Offsets of group {} were not replicated: {}", group.groupId, replicated);
        }
        answer.complete(CoordinatorWriteErrors.forOffsetCommit(replicated));
    }

    /** The answer to a refused append of offset records, logged. */
    private static Errors refused(String what, RuntimeException e) {
        logRefusal(what, e);
        return CoordinatorWriteErrors.forOffsetCommit(CoordinatorWriteErrors.appendError(e));
    }

    /** A refusal the cluster explains (not the leader, too few replicas) is no bug: no stack trace for it. */
    static void logRefusal(String what, RuntimeException e) {
        if (e instanceof ApiException) {
            log.warn("Could not store {}: {}", what, e.toString());
        } else {
            log.error("Could not store {}", what, e);
        }
    }

    // ----------------------------------------------------------------------------------- TxnOffsetCommit

    /**
     * Checks the commit against the group and appends it; its offsets wait for the transaction's marker
     * from then on. Completes with NONE once the batch is replicated, or with the error to answer.
     */
    CompletableFuture<Errors> txnCommit(TxnOffsetCommitRequestData d, Map<TopicPartition, CommittedOffset> offsets,
                                                long now) {
        Errors error = registry.check(d.groupId());
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        ClassicGroup found = registry.get(d.groupId());
        if (found == null) {
            if (d.generationIdOrMemberEpoch() >= 0) {
                return CompletableFuture.completedFuture(Errors.ILLEGAL_GENERATION);
            }
            if (offsets.isEmpty()) {
                // As for OffsetCommit: nothing to store creates no group.
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            found = registry.getOrCreate(d.groupId());
        }
        ClassicGroup group = found;
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
            }
            Errors fenced = txnCommitFencing(group, d.memberId(), d.groupInstanceId(), d.generationIdOrMemberEpoch());
            if (fenced != Errors.NONE || offsets.isEmpty()) {
                return CompletableFuture.completedFuture(fenced);
            }
            List<SimpleRecord> records = new ArrayList<>();
            offsets.forEach((tp, o) -> records.add(GroupStore.offsetRecord(d.groupId(), tp, o, now)));
            CompletableFuture<Errors> answer = new CompletableFuture<>();
            try {
                registry.store.appendTransactional(d.groupId(), d.producerId(), d.producerEpoch(), records,
                        replicated -> onTxnCommitReplicated(group, d.producerId(), offsets, replicated, answer));
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(refused("transactional offsets of group " + d.groupId()
                        + " from producer " + d.producerId() + " epoch " + d.producerEpoch(), e));
            }
            // Pending from the append on, as in Kafka: a requireStable OffsetFetch must wait for the marker.
            group.pendingTxnOffsets.computeIfAbsent(d.producerId(), p -> new HashMap<>()).putAll(offsets);
            return answer;
        }
    }

    /** Coordinator thread: a batch that was not replicated no longer waits for the marker; then the client is answered. */
    private static void onTxnCommitReplicated(ClassicGroup group, long producerId,
                                              Map<TopicPartition, CommittedOffset> offsets, Errors replicated,
                                              CompletableFuture<Errors> answer) {
        if (replicated != Errors.NONE) {
            synchronized (group) {
                group.txnOffsetsNotReplicated(producerId, offsets);
            }
            log.warn("Transactional offsets of group {} from producer {} were not replicated: {}", group.groupId,
                    producerId, replicated);
        }
        answer.complete(CoordinatorWriteErrors.forOffsetCommit(replicated));
    }

    /**
     * KIP-447: whether the consumer-group metadata a transactional producer sent still names the
     * group's current member and generation. Without any identity (generation -1, no member id, no
     * instance id) the commit is accepted, as from a consumer that assigns partitions itself; with any
     * part of one, all of it must match — so a member that kept its id but lost its generation (the
     * consumer resets it to -1 before rejoining) is fenced too. Unlike OffsetCommit, a group that is
     * completing a rebalance is no reason to refuse. Group lock held.
     */
    private static Errors txnCommitFencing(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        if (generationId < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        String member = memberId == null ? "" : memberId;
        if (generationId < 0 && member.isEmpty() && groupInstanceId == null) {
            return Errors.NONE;
        }
        if (groupInstanceId != null) {
            String current = group.staticMembers.get(groupInstanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(member)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        } else if (!group.has(member)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return generationId == group.generationId ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

    /**
     * A commit or abort marker of {@code producerId} was written to offsets partition
     * {@code partition}: its pending offsets in that partition's groups become committed, or are dropped.
     */
    void completeTxn(int partition, long producerId, boolean commit) {
        for (ClassicGroup group : List.copyOf(registry.all())) {
            if (registry.store.partitionFor(group.groupId) != partition) {
                continue;
            }
            synchronized (group) {
                group.completeTxn(producerId, commit);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- OffsetFetch

    /**
     * With {@code requireStable} (KIP-447), a partition with a transactional offset still waiting for
     * its marker, or a commit not yet replicated, is answered UNSTABLE_OFFSET_COMMIT, which the consumer
     * retries.
     */
    OffsetFetchResponseGroup fetchGroup(String groupId, List<OffsetFetchRequestTopics> topics, boolean useIds,
                                                boolean requireStable) {
        OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(groupId);
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            out.setErrorCode(error.code());
            if (topics != null) {
                // Partitions with the group's error, so that v0-1 callers see it.
                for (OffsetFetchRequestTopics t : topics) {
                    OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
                    t.partitionIndexes().forEach(p -> rt.partitions().add(noOffset(p, Errors.NONE)));
                    out.topics().add(rt);
                }
            }
            return out;
        }
        Map<TopicPartition, CommittedOffset> offsets = snapshot(groupId);
        Set<TopicPartition> unstable = requireStable ? unstablePartitions(groupId) : Set.of();
        if (topics == null) {
            Map<String, List<Map.Entry<TopicPartition, CommittedOffset>>> byTopic = new TreeMap<>();
            offsets.entrySet().forEach(e -> byTopic.computeIfAbsent(e.getKey().topic(), t -> new ArrayList<>()).add(e));
            byTopic.forEach((topic, entries) -> {
                OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(topic);
                if (useIds) {
                    Uuid id = topicIds.id(topic);
                    if (id == null || Uuid.ZERO_UUID.equals(id)) {
                        return;
                    }
                    rt.setTopicId(id);
                }
                entries.sort(Map.Entry.comparingByKey((a, b) -> Integer.compare(a.partition(), b.partition())));
                entries.forEach(e -> rt.partitions().add(unstable.contains(e.getKey())
                        ? noOffset(e.getKey().partition(), Errors.UNSTABLE_OFFSET_COMMIT)
                        : offset(e.getKey().partition(), e.getValue())));
                out.topics().add(rt);
            });
            return out;
        }
        for (OffsetFetchRequestTopics t : topics) {
            OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
            String name = useIds ? topicIds.name(t.topicId()) : t.name();
            for (int partition : t.partitionIndexes()) {
                TopicPartition tp = new TopicPartition(name == null ? "" : name, partition);
                CommittedOffset o = name == null ? null : offsets.get(tp);
                rt.partitions().add(name == null ? noOffset(partition, Errors.UNKNOWN_TOPIC_ID)
                        : unstable.contains(tp) ? noOffset(partition, Errors.UNSTABLE_OFFSET_COMMIT)
                        : o == null ? noOffset(partition, Errors.NONE) : offset(partition, o));
            }
            out.topics().add(rt);
        }
        return out;
    }

    /** Partitions with an offset commit still in flight: a transaction without its marker, or one not yet replicated. */
    private Set<TopicPartition> unstablePartitions(String groupId) {
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            return Set.of();
        }
        synchronized (group) {
            Set<TopicPartition> out = new HashSet<>(group.pendingOffsets.keySet());
            group.pendingTxnOffsets.values().forEach(m -> out.addAll(m.keySet()));
            return out;
        }
    }

    private Map<TopicPartition, CommittedOffset> snapshot(String groupId) {
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            return Map.of();
        }
        synchronized (group) {
            return group.is(GroupState.DEAD) ? Map.of() : new HashMap<>(group.offsets);
        }
    }

    private static OffsetFetchResponsePartitions offset(int partition, CommittedOffset o) {
        return new OffsetFetchResponsePartitions()
                .setPartitionIndex(partition)
                .setCommittedOffset(o.offset())
                .setCommittedLeaderEpoch(o.leaderEpoch())
                .setMetadata(o.metadata());
    }

    private static OffsetFetchResponsePartitions noOffset(int partition, Errors error) {
        return new OffsetFetchResponsePartitions()
                .setPartitionIndex(partition)
                .setCommittedOffset(-1)
                .setCommittedLeaderEpoch(-1)
                .setMetadata("")
                .setErrorCode(error.code());
    }

    // --------------------------------------------------------------------------------------- OffsetDelete

    /** Fills in per-partition errors; completes with the group-level error once the deletion is replicated. */
    CompletableFuture<Errors> deleteOffsets(String groupId, Map<TopicPartition, Errors> results) {
        return withLiveGroup(groupId, group -> {
            Set<String> subscribed;
            if (group.is(GroupState.EMPTY)) {
                subscribed = Set.of();
            } else if ("consumer".equals(group.protocolType)) {
                subscribed = group.subscribedTopics();
            } else {
                return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
            }
            List<TopicPartition> deletable = new ArrayList<>();
            for (TopicPartition tp : results.keySet()) {
                // Subscriptions we cannot read (mid-rebalance) count as covering every topic.
                if (subscribed == null || subscribed.contains(tp.topic())) {
                    results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                } else if (group.offsets.containsKey(tp) || group.pendingOffsets.containsKey(tp)) {
                    deletable.add(tp);
                }
            }
            if (deletable.isEmpty()) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            return removeOffsetsReplicated(group, deletable, false).thenApply(stored -> {
                if (stored != Errors.NONE) {
                    deletable.forEach(tp -> results.put(tp, stored));
                }
                return Errors.NONE;
            });
        });
    }

    /**
     * Runs {@code action} under the group's lock if this coordinator owns a live group of that id;
     * otherwise the error that says why not (not coordinator, loading, GROUP_ID_NOT_FOUND).
     */
    private CompletableFuture<Errors> withLiveGroup(String groupId,
                                                    Function<ClassicGroup, CompletableFuture<Errors>> action) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        }
        synchronized (group) {
            return group.is(GroupState.DEAD) ? CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND)
                    : action.apply(group);
        }
    }

    /** {@link #removeOffsets}, completing with NONE once replicated or with the error to answer. Group lock held. */
    private CompletableFuture<Errors> removeOffsetsReplicated(ClassicGroup group, Collection<TopicPartition> partitions,
                                                              boolean deleteGroup) {
        CompletableFuture<Errors> stored = new CompletableFuture<>();
        Errors refused = removeOffsets(group, partitions, deleteGroup, stored::complete);
        return refused == Errors.NONE ? stored : CompletableFuture.completedFuture(refused);
    }

    /**
     * Appends tombstones for these offsets (and for the group itself with {@code deleteGroup}), then at
     * once drops the offsets, committed or staged, from the cache and a deleted group from the registry.
     * Group lock held.
     *
     * @param onReplicated gets NONE once the tombstones are replicated, or the error to answer; on the
     *                     coordinator thread, and only if they were appended
     * @return NONE if the tombstones were appended, else the error to answer
     */
    private Errors removeOffsets(ClassicGroup group, Collection<TopicPartition> partitions, boolean deleteGroup,
                                 Consumer<Errors> onReplicated) {
        long now = registry.now();
        List<SimpleRecord> records = new ArrayList<>();
        partitions.forEach(tp -> records.add(GroupStore.offsetRecord(group.groupId, tp, null, now)));
        if (deleteGroup) {
            records.add(GroupStore.groupRecord(group.groupId, null, now));
        }
        try {
            registry.store.append(group.groupId, records,
                    replicated -> onReplicated.accept(CoordinatorWriteErrors.forCoordinatorWrite(replicated)));
        } catch (RuntimeException e) {
            logRefusal("tombstones of group " + group.groupId, e);
            return CoordinatorWriteErrors.forCoordinatorWrite(CoordinatorWriteErrors.appendError(e));
        }
        partitions.forEach(group::removeOffset);
        if (deleteGroup) {
            group.transitionTo(GroupState.DEAD, now);
            membership.onGroupDead(group);
            registry.removeDead(group);
        }
        return Errors.NONE;
    }

    // --------------------------------------------------------------------------------------- DeleteGroups

    CompletableFuture<Errors> deleteGroup(String groupId) {
        return withLiveGroup(groupId, group -> {
            if (!group.is(GroupState.EMPTY)) {
                return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
            }
            // Staged commits too: their records precede the tombstones and must not outlive the group.
            Set<TopicPartition> partitions = new HashSet<>(group.offsets.keySet());
            partitions.addAll(group.pendingOffsets.keySet());
            return removeOffsetsReplicated(group, partitions, true);
        });
    }

    // ------------------------------------------------------------------------------------------- expiry

    /**
     * Removes expired offsets (KIP-211) and then groups left empty with no offsets. Offsets of an empty
     * group expire {@code offsets.retention.minutes} after the later of their commit and the group
     * becoming empty; a group without a protocol (manual assignment) expires each offset by its commit
     * time; a Stable consumer group expires only offsets of topics it no longer subscribes to. A
     * partition with a commit not yet replicated does not expire, as in Kafka.
     *
     * @return how many offsets expired
     */
    int expireOffsets() {
        long now = registry.now();
        long retentionMs = registry.config.offsetsRetentionMs();
        int expired = 0;
        for (ClassicGroup group : List.copyOf(registry.all())) {
            synchronized (group) {
                if (group.is(GroupState.DEAD)) {
                    continue;
                }
                Set<String> subscribed = group.is(GroupState.STABLE) ? group.subscribedTopics() : null;
                boolean standalone = group.protocolType == null;
                List<TopicPartition> gone = new ArrayList<>();
                group.offsets.forEach((tp, o) -> {
                    boolean due;
                    if (group.pendingOffsets.containsKey(tp)) {
                        due = false;
                    } else if (o.expireTimestamp() >= 0) {
                        due = now >= o.expireTimestamp();
                    } else if (group.is(GroupState.EMPTY)) {
                        long base = standalone ? o.commitTimestamp() : Math.max(o.commitTimestamp(), group.stateTimestamp);
                        due = now - base >= retentionMs;
                    } else if (subscribed != null) {
                        due = !subscribed.contains(tp.topic()) && now - o.commitTimestamp() >= retentionMs;
                    } else {
                        due = false;
                    }
                    if (due) {
                        gone.add(tp);
                    }
                });
                boolean deleteGroup = group.is(GroupState.EMPTY) && group.offsets.size() == gone.size()
                        && group.pendingOffsets.isEmpty() && group.pendingTxnOffsets.isEmpty();
                if (gone.isEmpty() && !deleteGroup) {
                    continue;
                }
                String groupId = group.groupId;
                Errors refused = removeOffsets(group, gone, deleteGroup, replicated -> {
                    if (replicated != Errors.NONE) {
                        log.warn("Expiring offsets of group {} was not replicated: {}", groupId, replicated);
                    }
                });
                if (refused == Errors.NONE) {
                    expired += gone.size();
                    if (!gone.isEmpty()) {
                        log.info("Expired {} offsets of group {}{}", gone.size(), groupId,
                                deleteGroup ? "; the group is now dead" : "");
                    }
                }
            }
        }
        return expired;
    }
}
