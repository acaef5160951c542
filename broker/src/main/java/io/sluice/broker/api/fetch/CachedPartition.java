package io.sluice.broker.api.fetch;

import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * One partition of a fetch session: the fetcher's position as last sent, and the offsets the fetcher
 * was last told, so that an incremental response can leave the partition out when it has nothing new.
 * Guarded by its session's lock.
 */
final class CachedPartition {
    /** Offsets the fetcher has not been told yet: the next response carries the partition whatever it holds. */
    private static final long UNKNOWN = -1;

    private FetchPosition position;
    private long highWatermark = UNKNOWN;
    private long lastStableOffset = UNKNOWN;
    private long logStartOffset = UNKNOWN;

    CachedPartition(FetchPosition position) {
        this.position = position;
    }

    /** A partition of a new session, whose first (full) response the fetcher already has. */
    static CachedPartition answered(FetchPosition position, PartitionData answer) {
        CachedPartition cached = new CachedPartition(position);
        cached.mustAnswer(answer);
        return cached;
    }

    FetchPosition position() {
        return position;
    }

    void moveTo(FetchPosition newPosition) {
        position = newPosition;
    }

    /**
     * Whether an incremental response must carry this answer: it has records, an error, a diverging
     * epoch or a preferred read replica, or offsets the fetcher was not told yet. Remembers the
     * offsets as told. Kafka compares high watermark and log start; the last stable offset is
     * compared too, as it is what bounds a read_committed fetcher.
     */
    boolean mustAnswer(PartitionData answer) {
        boolean must = FetchResponse.recordsSize(answer) > 0
                || FetchResponse.isDivergingEpoch(answer)
                || FetchResponse.isPreferredReplica(answer);
        if (answer.errorCode() != Errors.NONE.code()) {
            // Forget what the fetcher was told: once the error is gone, the next answer is sent whatever it holds.
            highWatermark = UNKNOWN;
            lastStableOffset = UNKNOWN;
            logStartOffset = UNKNOWN;
            return true;
        }
        if (answer.highWatermark() != highWatermark || answer.lastStableOffset() != lastStableOffset
                || answer.logStartOffset() != logStartOffset) {
            highWatermark = answer.highWatermark();
            lastStableOffset = answer.lastStableOffset();
            logStartOffset = answer.logStartOffset();
            must = true;
        }
        return must;
    }
}
