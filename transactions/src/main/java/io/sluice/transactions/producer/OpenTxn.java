package io.sluice.transactions.producer;

/**
 * A transaction that has written data to this partition and has no marker yet. The oldest one bounds
 * the last stable offset; {@code startTimestamp} lets the broker find transactions left hanging.
 */
public record OpenTxn(long producerId, short producerEpoch, long firstOffset, long startTimestamp) {
}
