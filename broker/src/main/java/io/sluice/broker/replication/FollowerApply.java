package io.sluice.broker.replication;

import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.log.LeaderEpochFileCache;
import io.sluice.broker.log.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The follower side of replication: what the {@link ReplicaFetcher}s call with their leaders'
 * answers. A fetched partition is applied only if leadership and the log did not move since the fetch
 * was sent (otherwise it is dropped and fetched again): records are appended, the high watermark and
 * log start offset follow the leader's, and a diverging log is truncated.
 */
final class FollowerApply {
    private static final Logger log = LoggerFactory.getLogger(FollowerApply.class);

    private final int brokerId;
    private final Function<TopicPartition, Partition> partitions;
    private final DelayedOperations delayedFetches;
    private final LogManager logs;
    private final LongAdder divergenceTruncations = new LongAdder();
    private volatile boolean fetchingPaused;

    /**
     * @param partitions     this broker's replica of a partition, null when it has none
     * @param delayedFetches woken when a follower's high watermark moves (consumers may read followers)
     * @param logs           truncates the logs (pausing their cleaning and lowering the cleaner checkpoint)
     */
    FollowerApply(int brokerId, Function<TopicPartition, Partition> partitions, DelayedOperations delayedFetches,
                  LogManager logs) {
        this.brokerId = brokerId;
        this.partitions = partitions;
        this.delayedFetches = delayedFetches;
        this.logs = logs;
    }

    Partition partition(TopicPartition tp) {
        return partitions.apply(tp);
    }

    int brokerId() {
        return brokerId;
    }

    /**
     * Truncates a follower's log after its leader answered a Fetch with a diverging epoch, unless
     * leadership or the log moved since the fetch was sent. The next Fetch reports the epoch of the
     * new last batch, so a log that diverged over several epochs is cut back one round at a time.
     */
    void onDiverged(int leaderId, int leaderEpoch, TopicPartition tp, long fetchOffset,
                    LeaderEpochFileCache.EpochEndOffset diverging) {
        Partition p = partitions.apply(tp);
        if (p == null) {
            return;
        }
        synchronized (p) {
            if (p.leader != leaderId || p.leaderEpoch != leaderEpoch || p.log.logEndOffset() != fetchOffset) {
                return;
            }
            long target = LogDivergence.truncationOffset(p.log, diverging);
            log.info("Broker {}: {} diverges from leader {} at offset {} "
                            + "(our last epoch {}, leader epoch {} ends at {})", brokerId, tp, leaderId, target,
                    p.log.lastBatchEpoch(), diverging.epoch(), diverging.endOffset());
            logs.truncateTo(p.log, target);
            divergenceTruncations.increment();
        }
    }

    /** How many times this broker truncated a log on a leader's diverging epoch (tests). */
    long divergenceTruncations() {
        return divergenceTruncations.sum();
    }

    /** Applies a fetched partition on the follower, unless leadership moved since the fetch was sent. */
    void onFetched(int leaderId, int leaderEpoch, TopicPartition tp, long fetchOffset,
                   MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset, Errors error) {
        Partition p = partitions.apply(tp);
        if (p == null) {
            return;
        }
        boolean hwMoved = false;
        synchronized (p) {
            if (p.leader != leaderId || p.leaderEpoch != leaderEpoch || p.log.logEndOffset() != fetchOffset) {
                return;
            }
            if (error == Errors.OFFSET_OUT_OF_RANGE && leaderLogStartOffset > fetchOffset) {
                // Retention or DeleteRecords removed, at the leader, everything up to where we would
                // continue: nothing we hold can be completed, so start over at the leader's log start.
                log.warn("Broker {}: log of {} ends at {}, below leader {}'s log start offset {}; starting over there",
                        brokerId, tp, fetchOffset, leaderId, leaderLogStartOffset);
                logs.truncateFullyAndStartAt(p.log, leaderLogStartOffset);
                return;
            }
            if (error == Errors.OFFSET_OUT_OF_RANGE) {
                // The leader's log ends below ours, or it has no epoch as old as our last one: what we
                // have beyond our high watermark is not committed.
                long hw = p.log.highWatermark();
                log.warn("Broker {}: fetch offset {} of {} is out of range at leader {} (high watermark {})",
                        brokerId, fetchOffset, tp, leaderId, hw);
                if (hw < fetchOffset) {
                    logs.truncateTo(p.log, hw);
                }
                return;
            }
            if (error != Errors.NONE) {
                return;
            }
            if (records != null && records.sizeInBytes() > 0) {
                p.log.appendAsFollower(records);
            }
            if (leaderHighWatermark >= 0) {
                long before = p.log.highWatermark();
                // Clamped to our log end, so never above what the leader sent.
                hwMoved = p.log.updateHighWatermark(leaderHighWatermark) != before;
            }
            if (leaderLogStartOffset > p.log.logStartOffset()) {
                // DeleteRecords and retention at the leader: the same records go here (segments later).
                p.log.deleteRecordsBefore(Math.min(leaderLogStartOffset, p.log.highWatermark()));
            }
        }
        if (hwMoved) {
            // Consumers reading from this follower wait for the high watermark, not for the append.
            delayedFetches.wake(tp);
        }
    }

    /** Stops (or resumes) every fetcher, as a stalled follower would (chaos tests of ISR shrinking). */
    void pauseFetching(boolean paused) {
        fetchingPaused = paused;
    }

    boolean fetchingPaused() {
        return fetchingPaused;
    }
}
