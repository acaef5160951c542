package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    final PartitionLog log;
    final ReentrantReadWriteLock leaderIsrUpdateLock = new ReentrantReadWriteLock();
    List<Integer> replicas;
    volatile int leader = -1;
    volatile int leaderEpoch = -1;
    volatile List<Integer> isr = List.of();
    int zkVersion = -1;
    int controllerEpoch;
    /** The log end offset when this broker became leader: a follower below it cannot join the ISR. */
    long leaderEpochStartOffset;
    final Map<Integer, Follower> followers = new HashMap<>();

    static final class Follower {
        long logEndOffset = -1;
        long logStartOffset = -1;
        long lastCaughtUpMs;
        long lastFetchLeaderLogEndOffset;
        long lastFetchMs;
    }

    Partition(TopicPartition tp, PartitionLog log, List<Integer> replicas) {
        this.tp = tp;
        this.log = log;
        this.replicas = replicas;
    }

    boolean isLeader(int brokerId) {
        return leader == brokerId;
    }
}
