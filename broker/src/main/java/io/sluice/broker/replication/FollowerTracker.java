package io.sluice.broker.replication;

import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.log.LeaderEpochFileCache;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The leader's view of its followers: each follower's log end offset (the fetch offset of its latest
 * Fetch) and when it was last caught up; followers that caught up rejoin the ISR, followers lagging
 * more than {@code replica.lag.time.max.ms} leave it. ISR changes are written to ZooKeeper
 * conditionally on the state version this broker last saw (a conflicting write by the controller wins).
 */
final class FollowerTracker {
    private static final Logger log = LoggerFactory.getLogger(FollowerTracker.class);

    private final int brokerId;
    private final ClusterStore store;
    private final long lagTimeMaxMs;
    private final Function<TopicPartition, Partition> partitions;
    private final Supplier<Collection<Partition>> allPartitions;
    private final Consumer<Runnable> background;
    private final Consumer<Partition> highWatermarkMayMove;
    private final Consumer<TopicPartition> ackWaiters;

    /**
     * @param partitions           this broker's replica of a partition, null when it has none
     * @param background           runs ISR changes off the request thread
     * @param highWatermarkMayMove called after a follower's position or the ISR changed
     * @param ackWaiters           wakes acks=all produce requests parked on a partition
     */
    FollowerTracker(int brokerId, ClusterStore store, long lagTimeMaxMs, Function<TopicPartition, Partition> partitions,
                    Supplier<Collection<Partition>> allPartitions, Consumer<Runnable> background,
                    Consumer<Partition> highWatermarkMayMove, Consumer<TopicPartition> ackWaiters) {
        this.brokerId = brokerId;
        this.store = store;
        this.lagTimeMaxMs = lagTimeMaxMs;
        this.partitions = partitions;
        this.allPartitions = allPartitions;
        this.background = background;
        this.highWatermarkMayMove = highWatermarkMayMove;
        this.ackWaiters = ackWaiters;
    }

    private Errors checkLeader(TopicPartition tp, int currentLeaderEpoch) {
        Partition p = partitions.apply(tp);
        return p == null ? Errors.NOT_LEADER_OR_FOLLOWER : p.checkLeader(currentLeaderEpoch);
    }

    /**
     * Records a follower's Fetch: its log end offset is the fetch offset. May move the high watermark
     * and, when the follower has caught up, schedules its return to the ISR.
     */
    Errors recordFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, int currentLeaderEpoch) {
        Errors error = checkLeader(tp, currentLeaderEpoch);
        if (error != Errors.NONE) {
            return error;
        }
        Partition p = partitions.apply(tp);
        boolean expand;
        synchronized (p) {
            if (!p.replicas.contains(replicaId)) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            }
            Partition.Follower f = p.followers.computeIfAbsent(replicaId, k -> new Partition.Follower());
            long now = System.currentTimeMillis();
            long leo = p.log.logEndOffset();
            if (fetchOffset >= leo) {
                f.lastCaughtUpMs = now;
            } else if (fetchOffset >= f.lastFetchLeaderLogEndOffset) {
                f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
            }
            f.lastFetchLeaderLogEndOffset = leo;
            f.lastFetchMs = now;
            f.logEndOffset = fetchOffset;
            expand = !p.isr.contains(replicaId) && fetchOffset >= p.log.highWatermark()
                    && fetchOffset >= p.leaderEpochStartOffset;
        }
        if (expand) {
            background.accept(() -> changeIsr(p, isr -> {
                List<Integer> out = new ArrayList<>();
                for (int r : p.replicas) {
                    if (isr.contains(r) || r == replicaId) {
                        out.add(r);
                    }
                }
                return out;
            }));
        }
        highWatermarkMayMove.accept(p);
        return Errors.NONE;
    }

    /**
     * A follower's Fetch of {@code tp}: when it reports the epoch of its last batch
     * ({@code lastFetchedEpoch} >= 0) and its log does not match ours there, the answer is the
     * diverging epoch and nothing is recorded, since its fetch offset is not an offset of our log.
     * Otherwise its position is recorded as {@link #recordFollowerFetch} does.
     */
    ReplicaManager.FollowerFetch onFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, long logStartOffset,
                                         int currentLeaderEpoch, int lastFetchedEpoch) {
        Errors error = checkLeader(tp, currentLeaderEpoch);
        if (error != Errors.NONE) {
            return ReplicaManager.FollowerFetch.failed(error);
        }
        Partition p = partitions.apply(tp);
        if (p == null) {
            return ReplicaManager.FollowerFetch.failed(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        if (lastFetchedEpoch >= 0) {
            synchronized (p) {
                if (!p.replicas.contains(replicaId)) {
                    return ReplicaManager.FollowerFetch.failed(Errors.NOT_LEADER_OR_FOLLOWER);
                }
                try {
                    Optional<LeaderEpochFileCache.EpochEndOffset> diverging =
                            LogDivergence.check(p.log, lastFetchedEpoch, fetchOffset);
                    if (diverging.isPresent()) {
                        return new ReplicaManager.FollowerFetch(Errors.NONE, diverging);
                    }
                } catch (OffsetOutOfRangeException e) {
                    return ReplicaManager.FollowerFetch.failed(Errors.OFFSET_OUT_OF_RANGE);
                }
            }
        }
        error = recordFollowerFetch(tp, replicaId, fetchOffset, currentLeaderEpoch);
        if (error == Errors.NONE) {
            synchronized (p) {
                Partition.Follower f = p.followers.get(replicaId);
                if (f != null) {
                    f.logStartOffset = logStartOffset;
                }
            }
        }
        return ReplicaManager.FollowerFetch.failed(error);
    }

    void maybeShrinkIsr() {
        long now = System.currentTimeMillis();
        for (Partition p : allPartitions.get()) {
            List<Integer> lagging = new ArrayList<>();
            synchronized (p) {
                if (!p.isLeader(brokerId)) {
                    continue;
                }
                for (int r : p.isr) {
                    Partition.Follower f = p.followers.get(r);
                    if (r != brokerId && (f == null || now - f.lastCaughtUpMs > lagTimeMaxMs)) {
                        lagging.add(r);
                    }
                }
            }
            if (!lagging.isEmpty()) {
                log.info("Broker {}: followers {} of {} lag more than {} ms; shrinking the ISR", brokerId, lagging,
                        p.tp, lagTimeMaxMs);
                changeIsr(p, isr -> isr.stream().filter(r -> !lagging.contains(r)).toList());
            }
        }
    }

    /** Writes a new ISR (as leader) conditionally on the state version this broker last saw. */
    private void changeIsr(Partition p, Function<List<Integer>, List<Integer>> change) {
        PartitionState next;
        int expectedVersion;
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                return;
            }
            List<Integer> newIsr = change.apply(p.isr);
            if (newIsr.equals(p.isr) || newIsr.isEmpty()) {
                return;
            }
            next = new PartitionState(brokerId, p.leaderEpoch, newIsr, p.controllerEpoch);
            expectedVersion = p.zkVersion;
        }
        int version = store.writePartitionState(p.tp.topic(), p.tp.partition(), next, expectedVersion, -1, null);
        synchronized (p) {
            if (version < 0) {
                log.info("Broker {}: ISR change of {} to {} lost to a concurrent update", brokerId, p.tp, next.isr());
                return;
            }
            if (p.zkVersion == expectedVersion && p.leaderEpoch == next.leaderEpoch()) {
                p.isr = next.isr();
                p.zkVersion = version;
            }
            log.info("Broker {}: ISR of {} is now {}", brokerId, p.tp, next.isr());
        }
        highWatermarkMayMove.accept(p);
        ackWaiters.accept(p.tp);
    }
}
