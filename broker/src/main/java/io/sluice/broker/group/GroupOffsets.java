package io.sluice.broker.group;

import io.sluice.broker.api.ApiRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, DeleteGroups and offset expiry. Each
 * change is appended to the group's {@code __consumer_offsets} partition first; the cache in
 * {@link ClassicGroup#offsets} changes only once the append succeeded.
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

    /** What to answer when the log refused our records. */
    static Errors storeError(RuntimeException e) {
        if (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException) {
            return Errors.INVALID_COMMIT_OFFSET_SIZE;
        }
        return Errors.COORDINATOR_NOT_AVAILABLE;
    }

    // --------------------------------------------------------------------------------------- OffsetCommit

    CompletableFuture<AbstractResponse> offsetCommit(ApiRequest request) {
        OffsetCommitRequestData d = request.body(OffsetCommitRequest.class).data();
        short version = request.version();
        boolean useIds = OffsetCommitResponse.useTopicIds(version);
        long now = registry.now();
        long expireTimestamp = d.retentionTimeMs() > 0 ? now + d.retentionTimeMs() : -1;

        Map<TopicPartition, CommittedOffset> toCommit = new LinkedHashMap<>();
        Map<TopicPartition, Errors> errors = new HashMap<>();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        // Response skeleton in request order; errors are filled in at the end.
        List<Runnable> fill = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : d.topics()) {
            String name = useIds ? topicIds.name(topic.topicId()) : topic.name();
            OffsetCommitResponseData.OffsetCommitResponseTopic out = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                    .setName(topic.name()).setTopicId(topic.topicId());
            response.topics().add(out);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(name == null ? "" : name, p.partitionIndex());
                if (name == null) {
                    fill.add(() -> out.partitions().add(partitionResult(p.partitionIndex(), Errors.UNKNOWN_TOPIC_ID)));
                    continue;
                }
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                if (metadata.length() > GroupConfig.OFFSET_METADATA_MAX_BYTES) {
                    errors.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    toCommit.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, now,
                            expireTimestamp));
                }
                fill.add(() -> out.partitions().add(partitionResult(p.partitionIndex(),
                        errors.getOrDefault(tp, Errors.NONE))));
            }
        }
        Errors error = commit(d.groupId(), d.memberId(), d.groupInstanceId(), d.generationIdOrMemberEpoch(), toCommit);
        if (error != Errors.NONE) {
            toCommit.keySet().forEach(tp -> errors.put(tp, error));
        }
        fill.forEach(Runnable::run);
        return CompletableFuture.completedFuture(new OffsetCommitResponse(response));
    }

    private static OffsetCommitResponseData.OffsetCommitResponsePartition partitionResult(int partition, Errors error) {
        return new OffsetCommitResponseData.OffsetCommitResponsePartition()
                .setPartitionIndex(partition).setErrorCode(error.code());
    }

    private Errors commit(String groupId, String memberId, String groupInstanceId, int generationId,
                          Map<TopicPartition, CommittedOffset> offsets) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return error;
        }
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            if (generationId >= 0) {
                // A member of a generation this coordinator never saw: a stale commit.
                return Errors.ILLEGAL_GENERATION;
            }
            // A consumer that assigns partitions itself: the group only stores offsets.
            group = registry.getOrCreate(groupId);
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            if (!(generationId < 0 && group.is(GroupState.EMPTY))) {
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
            }
            if (offsets.isEmpty()) {
                return Errors.NONE;
            }
            long now = registry.now();
            List<SimpleRecord> records = new ArrayList<>();
            offsets.forEach((tp, o) -> records.add(GroupStore.offsetRecord(groupId, tp, o, now)));
            try {
                registry.store.append(groupId, records);
            } catch (RuntimeException e) {
                log.error("Could not store offsets of group {}", groupId, e);
                return storeError(e);
            }
            group.offsets.putAll(offsets);
            return Errors.NONE;
        }
    }

    // ---------------------------------------------------------------------------------------- OffsetFetch

    CompletableFuture<AbstractResponse> offsetFetch(ApiRequest request) {
        OffsetFetchRequestData d = request.body(OffsetFetchRequest.class).data();
        short version = request.version();
        boolean useIds = OffsetFetchRequest.useTopicIds(version);
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version >= 8) {
            for (OffsetFetchRequestGroup g : d.groups()) {
                response.groups().add(fetchGroup(g.groupId(), g.topics(), useIds));
            }
            return CompletableFuture.completedFuture(new OffsetFetchResponse(response, version));
        }
        List<OffsetFetchRequestTopics> topics = null;
        if (d.topics() != null) {
            topics = new ArrayList<>();
            for (OffsetFetchRequestData.OffsetFetchRequestTopic t : d.topics()) {
                topics.add(new OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes()));
            }
        }
        OffsetFetchResponseGroup g = fetchGroup(d.groupId(), topics, false);
        Errors groupError = Errors.forCode(g.errorCode());
        response.setErrorCode(g.errorCode());
        for (OffsetFetchResponseTopics t : g.topics()) {
            OffsetFetchResponseData.OffsetFetchResponseTopic out = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                    .setName(t.name());
            for (OffsetFetchResponsePartitions p : t.partitions()) {
                out.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch())
                        .setMetadata(p.metadata())
                        // v0-1 have no group-level error: it is reported on every partition.
                        .setErrorCode(version < 2 && groupError != Errors.NONE ? groupError.code() : p.errorCode()));
            }
            response.topics().add(out);
        }
        return CompletableFuture.completedFuture(new OffsetFetchResponse(response, version));
    }

    private OffsetFetchResponseGroup fetchGroup(String groupId, List<OffsetFetchRequestTopics> topics, boolean useIds) {
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
                entries.forEach(e -> rt.partitions().add(offset(e.getKey().partition(), e.getValue())));
                out.topics().add(rt);
            });
            return out;
        }
        for (OffsetFetchRequestTopics t : topics) {
            OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
            String name = useIds ? topicIds.name(t.topicId()) : t.name();
            for (int partition : t.partitionIndexes()) {
                CommittedOffset o = name == null ? null : offsets.get(new TopicPartition(name, partition));
                rt.partitions().add(name == null ? noOffset(partition, Errors.UNKNOWN_TOPIC_ID)
                        : o == null ? noOffset(partition, Errors.NONE) : offset(partition, o));
            }
            out.topics().add(rt);
        }
        return out;
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

    CompletableFuture<AbstractResponse> offsetDelete(ApiRequest request) {
        OffsetDeleteRequestData d = request.body(OffsetDeleteRequest.class).data();
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        d.topics().forEach(t -> t.partitions().forEach(p ->
                results.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.NONE)));
        Errors error = deleteOffsets(d.groupId(), results);
        response.setErrorCode(error.code());
        if (error == Errors.NONE) {
            for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : d.topics()) {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic rt =
                        new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
                t.partitions().forEach(p -> rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(results.get(new TopicPartition(t.name(), p.partitionIndex())).code())));
                response.topics().add(rt);
            }
        }
        return CompletableFuture.completedFuture(new OffsetDeleteResponse(response));
    }

    /** Fills in per-partition errors; returns the group-level error. */
    private Errors deleteOffsets(String groupId, Map<TopicPartition, Errors> results) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return error;
        }
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            Set<String> subscribed;
            if (group.is(GroupState.EMPTY)) {
                subscribed = Set.of();
            } else if ("consumer".equals(group.protocolType)) {
                subscribed = group.subscribedTopics();
            } else {
                return Errors.NON_EMPTY_GROUP;
            }
            List<TopicPartition> deletable = new ArrayList<>();
            for (TopicPartition tp : results.keySet()) {
                // Subscriptions we cannot read (mid-rebalance) count as covering every topic.
                if (subscribed == null || subscribed.contains(tp.topic())) {
                    results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                } else if (group.offsets.containsKey(tp)) {
                    deletable.add(tp);
                }
            }
            Errors stored = removeOffsets(group, deletable, false);
            if (stored != Errors.NONE) {
                deletable.forEach(tp -> results.put(tp, stored));
            }
            return Errors.NONE;
        }
    }

    /**
     * Tombstones for these offsets (and for the group itself with {@code deleteGroup}), then drops them
     * from the cache and, for a deleted group, from the registry. Group lock held.
     */
    private Errors removeOffsets(ClassicGroup group, List<TopicPartition> partitions, boolean deleteGroup) {
        if (partitions.isEmpty() && !deleteGroup) {
            return Errors.NONE;
        }
        long now = registry.now();
        List<SimpleRecord> records = new ArrayList<>();
        partitions.forEach(tp -> records.add(GroupStore.offsetRecord(group.groupId, tp, null, now)));
        if (deleteGroup) {
            records.add(GroupStore.groupRecord(group.groupId, null, now));
        }
        try {
            registry.store.append(group.groupId, records);
        } catch (RuntimeException e) {
            log.error("Could not write tombstones for group {}", group.groupId, e);
            return storeError(e);
        }
        partitions.forEach(group.offsets::remove);
        if (deleteGroup) {
            group.transitionTo(GroupState.DEAD, now);
            membership.onGroupDead(group);
            registry.removeDead(group);
        }
        return Errors.NONE;
    }

    // --------------------------------------------------------------------------------------- DeleteGroups

    CompletableFuture<AbstractResponse> deleteGroups(ApiRequest request) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        for (String groupId : request.body(DeleteGroupsRequest.class).data().groupsNames()) {
            if (response.results().find(groupId) != null) {
                continue;
            }
            response.results().add(new DeleteGroupsResponseData.DeletableGroupResult()
                    .setGroupId(groupId).setErrorCode(deleteGroup(groupId).code()));
        }
        return CompletableFuture.completedFuture(new DeleteGroupsResponse(response));
    }

    private Errors deleteGroup(String groupId) {
        Errors error = registry.check(groupId);
        if (error != Errors.NONE) {
            return error;
        }
        ClassicGroup group = registry.get(groupId);
        if (group == null) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            if (!group.is(GroupState.EMPTY)) {
                return Errors.NON_EMPTY_GROUP;
            }
            return removeOffsets(group, List.copyOf(group.offsets.keySet()), true);
        }
    }

    // ------------------------------------------------------------------------------------------- expiry

    /**
     * Removes expired offsets (KIP-211) and then groups left empty with no offsets. Offsets of an empty
     * group expire {@code offsets.retention.minutes} after the later of their commit and the group
     * becoming empty; a group without a protocol (manual assignment) expires each offset by its commit
     * time; a Stable consumer group expires only offsets of topics it no longer subscribes to.
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
                    if (o.expireTimestamp() >= 0) {
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
                boolean deleteGroup = group.is(GroupState.EMPTY) && group.offsets.size() == gone.size();
                if (removeOffsets(group, gone, deleteGroup) == Errors.NONE) {
                    expired += gone.size();
                    if (!gone.isEmpty()) {
                        log.info("Expired {} offsets of group {}{}", gone.size(), group.groupId,
                                deleteGroup ? "; the group is now dead" : "");
                    }
                }
            }
        }
        return expired;
    }
}
