package io.sluice.broker.log;

/**
 * Where an append landed.
 *
 * @param firstOffset   offset given to the first record
 * @param lastOffset    offset given to the last record
 * @param logAppendTime broker time stamped on the batches, or -1 when the topic uses CreateTime
 * @param logStartOffset the log start offset after the append
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset) {
}
