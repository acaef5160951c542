package io.sluice.broker.replication;

import io.sluice.broker.log.AppendResult;
import io.sluice.broker.log.MirrorTopicConfig;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One local replica of a partition and what this broker knows of its leadership.
 *
 * <p>Locking, as Kafka's Partition: {@link #leaderIsrUpdateLock} is taken for writing by role changes
 * (leader, epoch) and for reading by leader appends and by the leadership checks of produce and fetch
 * requests, so those run side by side and never during a role change; appends are serialised by the
 * log's own lock, not here. The object's monitor guards the rest (follower positions, ISR, replicas,
 * ZooKeeper version) and is held only for short in-memory work, plus follower appends and truncation;
 * a role change takes the write lock first, then the monitor. {@link #leader}, {@link #leaderEpoch}
 * and {@link #isr} are volatile so that holders of the read lock see them without the monitor.
 *
 * <p>As leader it tracks each follower's log end offset (the fetch offset of its latest Fetch) and
 * when it was last caught up; the high watermark is the smallest log end offset in the ISR.
 */
final class Partition {
    final TopicPartition tp;
    /** The topic this replica belongs to: a topic re-created under the same name is another partition. */
    final org.apache.kafka.common.Uuid topicId;
    final PartitionLog log;
    /** This broker. */
    final int localBrokerId;
    final ReentrantReadWriteLock leaderIsrUpdateLock = new ReentrantReadWriteLock();
    List<Integer> replicas;
    volatile int leader = -1;
    volatile int leaderEpoch = -1;
    volatile List<Integer> isr = List.of();
    int zkVersion = -1;
    int controllerEpoch;
    /** The log end offset when this broker became leader: a follower below it cannot join the ISR. */
    long leaderEpochStartOffset;
    /**
     * Whether this leadership's epoch starts an epoch of the log: false while it leads a mirror topic, and
     * after that mirror's promotion until the epoch is bumped past the source's ({@link MirrorFollowers}).
     */
    volatile boolean leaderEpochInLog;
    final Map<Integer, Follower> followers = new HashMap<>();

    static final class Follower {
        long logEndOffset = -1;
        long logStartOffset = -1;
        long lastCaughtUpMs;
        long lastFetchLeaderLogEndOffset;
        long lastFetchMs;
    }

    Partition(TopicPartition tp, org.apache.kafka.common.Uuid topicId, PartitionLog log, List<Integer> replicas,
              int localBrokerId) {
        this.tp = tp;
        this.topicId = topicId;
        this.log = log;
        this.replicas = replicas;
        this.localBrokerId = localBrokerId;
    }

    boolean isLeader(int brokerId) {
        return leader == brokerId;
    }

    boolean isLocalLeader() {
        return leader == localBrokerId;
    }

    /** Leads from now on at {@code epoch}: every other replica starts as a caught-up follower. */
    synchronized void becomeLeader(int epoch, long now) {
        leader = localBrokerId;
        leaderEpoch = epoch;
        leaderEpochStartOffset = log.logEndOffset();
        followers.clear();
        // A mirror's log keeps its source's leader epochs (consumers validate positions against them, on
        // either cluster alike), so this broker's own epoch goes into it only once the topic is promoted.
        leaderEpochInLog = mirrorSource().isEmpty();
        if (leaderEpochInLog) {
            log.assignEpochAtLogEnd(leaderEpoch);
        }
        for (int r : replicas) {
            if (r != localBrokerId) {
                Follower f = new Follower();
                f.lastCaughtUpMs = now;
                followers.put(r, f);
            }
        }
        // From here on the high watermark only moves as the ISR's log end offsets do.
        log.updateHighWatermark(log.highWatermark());
    }

    synchronized void becomeFollower(int newLeader, int epoch) {
        leader = newLeader;
        leaderEpoch = epoch;
        followers.clear();
    }

    /**
     * NONE when this broker leads and the client's {@code currentLeaderEpoch} (-1: unknown) is not
     * older (FENCED_LEADER_EPOCH) or newer (UNKNOWN_LEADER_EPOCH) than the leader's.
     */
    Errors checkLeader(int currentLeaderEpoch) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            if (!isLocalLeader()) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            }
            return checkEpoch(currentLeaderEpoch);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /** The leader epoch while this broker leads, else -1. */
    int leaderEpochIfLeading() {
        leaderIsrUpdateLock.readLock().lock();
        try {
            return isLocalLeader() ? leaderEpoch : -1;
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /** Whether a consumer may read here: from the leader, or from a follower when {@code followerAllowed}. */
    ReplicaManager.ReadAccess readAccess(int currentLeaderEpoch, boolean followerAllowed) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            boolean leads = isLocalLeader();
            boolean follows = !leads && leader >= 0;
            if (!leads && !(follows && followerAllowed)) {
                return new ReplicaManager.ReadAccess(Errors.NOT_LEADER_OR_FOLLOWER, false);
            }
            return new ReplicaManager.ReadAccess(checkEpoch(currentLeaderEpoch), follows);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    private Errors checkEpoch(int currentLeaderEpoch) {
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < leaderEpoch) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        if (currentLeaderEpoch > leaderEpoch) {
            return Errors.UNKNOWN_LEADER_EPOCH;
        }
        return Errors.NONE;
    }

    /**
     * Appends a producer's batches as leader, stamping the leader epoch.
     *
     * @throws NotLeaderOrFollowerException when this broker does not lead the partition
     * @throws NotEnoughReplicasException   for acks=all while the ISR is smaller than min.insync.replicas
     */
    AppendResult appendAsLeader(MemoryRecords records, short acks) {
        // The read lock only: appends to one log are serialised by the log, and fetches and other
        // appends go on meanwhile; a role change (write lock) waits for this append to finish.
        leaderIsrUpdateLock.readLock().lock();
        try {
            if (!isLocalLeader()) {
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is not the leader of " + tp);
            }
            Optional<MirrorTopicConfig.Source> source = mirrorSource();
            if (source.isPresent()) {
                throw new PolicyViolationException("Topic " + tp.topic() + " is a mirror of " + source.get()
                        + "; promote it to write (bin/sluice mirror promote --topic " + tp.topic() + ")");
            }
            if (!leaderEpochInLog) {
                // Promoted a moment ago: writable once the leader epoch moved past the source's epochs.
                throw new NotLeaderOrFollowerException("Broker " + localBrokerId + " is taking over " + tp
                        + " from its mirror source; retry");
            }
            int minIsr = log.config().minInSyncReplicas();
            List<Integer> inSync = isr;
            if (acks == -1 && inSync.size() < minIsr) {
                throw new NotEnoughReplicasException("The ISR of " + tp + " is " + inSync
                        + ", fewer than min.insync.replicas " + minIsr);
            }
            return log.append(records, leaderEpoch);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /** Where this partition is mirrored from, while its topic is a mirror topic. */
    Optional<MirrorTopicConfig.Source> mirrorSource() {
        return log.config().mirrorSource(tp.topic());
    }

    /**
     * Appends batches fetched from the mirror source as they are (offsets, epochs, producer state,
     * markers), as a follower would, while this broker leads the partition and its topic is still a
     * mirror; false (nothing written) otherwise.
     */
    boolean appendMirrored(MemoryRecords records) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            if (!isLocalLeader() || mirrorSource().isEmpty()) {
                return false;
            }
            log.appendAsFollower(records);
            return true;
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /**
     * Runs a change of leader or epoch: waits for in-flight leader appends (none may land after this
     * broker stops leading), then holds the monitor for the rest of the partition's state.
     */
    void changeRole(Runnable change) {
        leaderIsrUpdateLock.writeLock().lock();
        try {
            synchronized (this) {
                change.run();
            }
        } finally {
            leaderIsrUpdateLock.writeLock().unlock();
        }
    }

    /**
     * How an acks=all append up to {@code requiredOffset} stands: null while the high watermark is
     * below it, else NONE (or NOT_ENOUGH_REPLICAS_AFTER_APPEND with too small an ISR), or
     * NOT_LEADER_OR_FOLLOWER once leadership is gone.
     */
    synchronized Errors ackStatus(long requiredOffset) {
        if (!isLocalLeader()) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (log.highWatermark() >= requiredOffset) {
            return isr.size() < log.config().minInSyncReplicas() ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE;
        }
        return null;
    }

    /** As leader, moves the high watermark to what the whole ISR holds; true if it moved. */
    synchronized boolean maybeIncrementHighWatermark() {
        if (!isLocalLeader()) {
            return false;
        }
        long min = log.logEndOffset();
        for (int r : isr) {
            if (r != localBrokerId) {
                Follower f = followers.get(r);
                min = Math.min(min, f == null ? -1 : f.logEndOffset);
            }
        }
        if (min > log.highWatermark()) {
            log.updateHighWatermark(min);
            return true;
        }
        return false;
    }
}
