package io.sluice.transactions.producer;

/**
 * A transaction closed by a commit or abort marker on this partition. Aborted ones go to the log's
 * {@code .txnindex} so {@code read_committed} fetches can return the aborted-transaction list.
 *
 * @param firstOffset offset of the transaction's first batch on this partition
 * @param lastOffset  offset of the marker that closed it
 */
public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
}
