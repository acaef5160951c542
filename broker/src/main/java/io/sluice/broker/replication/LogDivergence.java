package io.sluice.broker.replication;

import io.sluice.broker.log.LeaderEpochFileCache.EpochEndOffset;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;

import java.util.Optional;

/**
 * Where a follower's log stops matching its leader's, decided from leader epochs alone, as the Fetch
 * request's {@code last_fetched_epoch} and the response's {@code diverging_epoch} carry them (KIP-595's
 * check, applied to the replication of KIP-101).
 *
 * <p>The invariant everything rests on: a leader epoch has exactly one leader, so records written in
 * one epoch are the same on every replica that has them, and two logs agree up to the end of the last
 * epoch they share. A follower reports the epoch of its last batch with its log end offset; the leader
 * answers whether its own log holds that epoch up to that offset, and if not, how far it does.
 */
final class LogDivergence {

    private LogDivergence() {
    }

    /**
     * The leader's side: whether a follower whose last batch is of {@code lastFetchedEpoch} and whose
     * log ends at {@code fetchOffset} may go on fetching from there.
     *
     * @return empty when the follower's log is a prefix of the leader's; otherwise the largest epoch
     * the leader has at or below {@code lastFetchedEpoch} and the offset where it ends on the leader
     * @throws OffsetOutOfRangeException when the leader has no epoch that old, or no longer has the
     *                                   fetch offset
     */
    static Optional<EpochEndOffset> check(PartitionLog leaderLog, int lastFetchedEpoch, long fetchOffset) {
        EpochEndOffset end = leaderLog.endOffsetForEpoch(lastFetchedEpoch);
        if (end.epoch() < 0) {
            throw new OffsetOutOfRangeException("No leader epoch at or below " + lastFetchedEpoch + " in "
                    + leaderLog.topicPartition());
        }
        if (fetchOffset < leaderLog.logStartOffset()) {
            // Checked before divergence, as Kafka does: the follower must start over whatever it holds.
            throw new OffsetOutOfRangeException("Offset " + fetchOffset + " is below the log start offset "
                    + leaderLog.logStartOffset() + " of " + leaderLog.topicPartition());
        }
        if (end.epoch() < lastFetchedEpoch || end.endOffset() < fetchOffset) {
            return Optional.of(end);
        }
        return Optional.empty();
    }

    /**
     * The follower's side: the offset to truncate to after the leader answered with
     * {@code diverging} (its largest epoch at or below ours, and where that epoch ends on the leader).
     *
     * <p>When we have that epoch too, the logs agree up to whichever copy of it ends first. When we
     * lack it, everything after our largest epoch below it was written in epochs the leader never had:
     * we cut there and the next Fetch asks again with the older epoch. When we have no epoch that old
     * at all, none of our records are the leader's.
     *
     * <p>Always below the follower's log end when the request carried the epoch of its last batch, so
     * every round of divergence makes progress.
     */
    static long truncationOffset(PartitionLog followerLog, EpochEndOffset diverging) {
        long logEnd = followerLog.logEndOffset();
        if (diverging.epoch() < 0) {
            return Math.min(diverging.endOffset(), logEnd);
        }
        EpochEndOffset own = followerLog.endOffsetForEpoch(diverging.epoch());
        if (own.epoch() < 0) {
            return followerLog.logStartOffset();
        }
        if (own.epoch() == diverging.epoch()) {
            return Math.min(Math.min(own.endOffset(), diverging.endOffset()), logEnd);
        }
        return Math.min(own.endOffset(), logEnd);
    }
}
