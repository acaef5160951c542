package io.sluice.broker.group;

import io.netty.util.Timeout;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one classic group: membership, generation and committed offsets. Every field is
 * guarded by the group's own monitor ({@code synchronized (group)}); nothing waits while holding it
 * except the leader append of the group's records to its {@code __consumer_offsets} partition (never
 * their replication).
 *
 * <p>Invariants: {@code leaderId} is a member id of {@code members}, or null when there is none;
 * {@code staticMembers} maps every static member's instance id to its current member id; a group
 * in {@link GroupState#DEAD} is no longer in the coordinator's registry and accepts nothing.
 */
final class ClassicGroup {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroup.class);
    final String groupId;
    private GroupState state;
    /** Coordinator time of the last state change; drives offset expiry of empty groups (KIP-211). */
    long stateTimestamp;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;

    final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
    final Set<String> pendingMembers = new HashSet<>();
    /** Members of the new generation that have not sent SyncGroup yet. */
    final Set<String> pendingSyncMembers = new LinkedHashSet<>();
    /** A member joined while an initial rebalance delay ran, so the delay may be extended. */
    boolean newMemberAdded;
    boolean initialDelayRunning;
    Timeout joinTimer;
    Timeout syncTimer;

    /** Committed offsets whose records the in-sync replicas hold: what OffsetFetch returns. */
    final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    /**
     * OffsetCommit offsets appended to the log but not replicated yet, per partition in log order,
     * as Kafka's pending offset commits: invisible to OffsetFetch (unstable to a requireStable one).
     */
    final Map<TopicPartition, List<CommittedOffset>> pendingOffsets = new HashMap<>();
    /**
     * TxnOffsetCommit offsets per producer id, written to the log but invisible until the producer's
     * commit marker moves them into {@link #offsets} (an abort marker drops them).
     */
    final Map<Long, Map<TopicPartition, CommittedOffset>> pendingTxnOffsets = new HashMap<>();

    ClassicGroup(String groupId, GroupState initialState, long now) {
        this.groupId = groupId;
        this.state = initialState;
        this.stateTimestamp = now;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    void transitionTo(GroupState next, long now) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("Group " + groupId + " cannot move from " + state + " to " + next);
        }
        state = next;
        stateTimestamp = now;
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    GroupMember get(String memberId) {
        return members.get(memberId);
    }

    int size() {
        return members.size();
    }

    /** An OffsetCommit's offset was appended; it waits for replication. */
    void stageOffset(TopicPartition tp, CommittedOffset offset) {
        pendingOffsets.computeIfAbsent(tp, p -> new ArrayList<>()).add(offset);
    }

    /**
     * A staged offset was replicated: it is now the committed one, and staged offsets appended before it
     * are superseded (replicated too, since replication follows log order, but older). A staged offset
     * that is gone (superseded, or the partition's offset deleted meanwhile) changes nothing.
     */
    void offsetReplicated(TopicPartition tp, CommittedOffset offset) {
        List<CommittedOffset> staged = pendingOffsets.get(tp);
        int at = indexOf(staged, offset);
        if (at < 0) {
            return;
        }
        offsets.put(tp, offset);
        staged.subList(0, at + 1).clear();
        if (staged.isEmpty()) {
            pendingOffsets.remove(tp);
        }
    }

    /** A staged offset's replication failed: it is dropped; the committed offset stays as it was. */
    void offsetNotReplicated(TopicPartition tp, CommittedOffset offset) {
        List<CommittedOffset> staged = pendingOffsets.get(tp);
        int at = indexOf(staged, offset);
        if (at < 0) {
            return;
        }
        staged.remove(at);
        if (staged.isEmpty()) {
            pendingOffsets.remove(tp);
        }
    }

    /** By identity: two commits of equal values are still two writes. */
    private static int indexOf(List<CommittedOffset> staged, CommittedOffset offset) {
        if (staged != null) {
            for (int i = 0; i < staged.size(); i++) {
                if (staged.get(i) == offset) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Forgets the committed and the staged offset of a partition (deletion, expiry). */
    void removeOffset(TopicPartition tp) {
        offsets.remove(tp);
        pendingOffsets.remove(tp);
    }

    boolean hasPendingTxnOffset(TopicPartition tp) {
        for (Map<TopicPartition, CommittedOffset> pending : pendingTxnOffsets.values()) {
            if (pending.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A TxnOffsetCommit's batch was not replicated: its offsets stop waiting for the marker, unless a
     * later TxnOffsetCommit of the producer replaced them meanwhile.
     */
    void txnOffsetsNotReplicated(long producerId, Map<TopicPartition, CommittedOffset> written) {
        Map<TopicPartition, CommittedOffset> pending = pendingTxnOffsets.get(producerId);
        if (pending == null) {
            return;
        }
        // By identity, as staged offsets: a retry with equal values is another write.
        written.forEach((tp, offset) -> {
            if (pending.get(tp) == offset) {
                pending.remove(tp);
            }
        });
        if (pending.isEmpty()) {
            pendingTxnOffsets.remove(producerId);
        }
    }

    /** Applies a transaction's end to this group's pending offsets of that producer. */
    void completeTxn(long producerId, boolean commit) {
        Map<TopicPartition, CommittedOffset> pending = pendingTxnOffsets.remove(producerId);
        if (commit && pending != null) {
            offsets.putAll(pending);
        }
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    /** Adds a member; the first member of an empty group sets the group's protocol type. */
    void add(GroupMember member, String memberProtocolType) {
        if (members.isEmpty() && memberProtocolType != null) {
            protocolType = memberProtocolType;
        }
        members.put(member.memberId, member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (leaderId == null) {
            leaderId = member.memberId;
        }
    }

    GroupMember remove(String memberId) {
        GroupMember m = members.remove(memberId);
        if (m == null) {
            return null;
        }
        if (m.isStatic() && memberId.equals(staticMembers.get(m.groupInstanceId))) {
            staticMembers.remove(m.groupInstanceId);
        }
        pendingSyncMembers.remove(memberId);
        if (isLeader(memberId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
        return m;
    }

    /** Replaces a static member's id, keeping its metadata and assignment; returns the new member. */
    GroupMember replaceStaticMember(String instanceId, String oldMemberId, String newMemberId) {
        GroupMember old = members.remove(oldMemberId);
        if (old == null) {
            throw new IllegalStateException("Static member " + instanceId + " has no member " + oldMemberId);
        }
        GroupMember replacement = old.withMemberId(newMemberId);
        members.put(newMemberId, replacement);
        staticMembers.put(instanceId, newMemberId);
        if (pendingSyncMembers.remove(oldMemberId)) {
            pendingSyncMembers.add(newMemberId);
        }
        if (isLeader(oldMemberId)) {
            leaderId = newMemberId;
        }
        replacement.heartbeatDeadlineNanos = old.heartbeatDeadlineNanos;
        old.heartbeatTimer = cancel(old.heartbeatTimer);
        return replacement;
    }

    /** A known static instance whose member id is not {@code memberId}: a zombie of a replaced member. */
    boolean isStaticMemberFenced(String groupInstanceId, String memberId) {
        if (groupInstanceId == null) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId);
        return current != null && !current.equals(memberId);
    }

    int numAwaitingJoin() {
        int n = 0;
        for (GroupMember m : members.values()) {
            if (m.awaitingJoin != null) {
                n++;
            }
        }
        return n;
    }

    boolean hasAllMembersJoined() {
        return numAwaitingJoin() == members.size() && pendingMembers.isEmpty();
    }

    /** The longest rebalance timeout of the members: how long a rebalance waits for rejoins. */
    int rebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    boolean canRebalance() {
        return GroupState.PREPARING_REBALANCE.validPrevious().contains(state);
    }

    /** Could a member with this protocol type and these protocols join? */
    boolean supportsProtocols(String memberProtocolType, Collection<String> memberProtocols) {
        if (members.isEmpty()) {
            return memberProtocolType != null && !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
        }
        if (!memberProtocolType.equals(protocolType)) {
            return false;
        }
        for (String p : memberProtocols) {
            if (members.values().stream().allMatch(m -> m.supports(p))) {
                return true;
            }
        }
        return false;
    }

    /** A protocol every member supports, the one most members prefer (ties: first counted), as Kafka does. */
    String selectProtocol() {
        if (members.isEmpty()) {
            throw new IllegalStateException("Cannot select a protocol for empty group " + groupId);
        }
        Set<String> candidates = new LinkedHashSet<>();
        members.values().iterator().next().protocols.forEach(p -> candidates.add(p.name()));
        candidates.removeIf(p -> !members.values().stream().allMatch(m -> m.supports(p)));
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (GroupMember m : members.values()) {
            votes.merge(m.vote(candidates), 1, Integer::sum);
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** Topics subscribed by the members, when the group uses the consumer protocol; null if unknown. */
    Set<String> subscribedTopics() {
        if (!"consumer".equals(protocolType) || protocolName == null) {
            return null;
        }
        Set<String> topics = new HashSet<>();
        for (GroupMember m : members.values()) {
            byte[] metadata = m.metadata(protocolName);
            if (metadata == null) {
                return null;
            }
            try {
                topics.addAll(org.apache.kafka.clients.consumer.internals.ConsumerProtocol
                        .deserializeSubscription(java.nio.ByteBuffer.wrap(metadata)).topics());
            } catch (RuntimeException e) {
                log.debug("Group {}: member {} sent consumer-protocol metadata that does not parse: {}", groupId,
                        m.memberId, e.toString());
                return null;
            }
        }
        return topics;
    }

    List<GroupMember> memberList() {
        return List.copyOf(members.values());
    }

    static Timeout cancel(Timeout t) {
        if (t != null) {
            t.cancel();
        }
        return null;
    }
}
