package io.sluice.broker.log;

import io.sluice.transactions.producer.CompletedTxn;

import java.util.List;

/**
 * Where an append landed.
 *
 * @param firstOffset    offset given to the first record
 * @param lastOffset     offset given to the last record
 * @param logAppendTime  broker time stamped on the batches, or -1 when the topic uses CreateTime
 * @param logStartOffset the log start offset after the append
 * @param duplicate      the request was a producer's retry of batches already in the log: nothing was
 *                       written and the offsets (and append time) are those of the original write
 * @param completedTxns  transactions closed by commit/abort markers in this append, oldest first
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset,
                           boolean duplicate, List<CompletedTxn> completedTxns) {

    public AppendResult {
        completedTxns = List.copyOf(completedTxns);
    }

    public AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset) {
        this(firstOffset, lastOffset, logAppendTime, logStartOffset, false, List.of());
    }
}
