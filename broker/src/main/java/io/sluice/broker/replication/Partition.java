package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One local replica of a partition and what this broker knows of its leadership. All fields are
 * guarded by the object's monitor; {@link ReplicaManager} holds it across role changes, leader
 * appends, follower appends and high-watermark moves so that none of them interleave.
 *
 * <p>As leader it tracks each follower's log end offset (the fetch offset of its latest Fetch) and
 * when it was last caught up; the high watermark is the smallest log end offset in the ISR.
 */
final class Partition {
    final TopicPartition tp;
    final PartitionLog log;
    List<Integer> replicas;
    int leader = -1;
    int leaderEpoch = -1;
    List<Integer> isr = List.of();
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
