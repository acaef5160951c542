package io.sluice.broker.log;

import org.apache.kafka.common.message.FetchResponseData;

/**
 * An aborted transaction as the {@code .txnindex} stores it.
 *
 * @param producerId       the producer whose transaction aborted
 * @param firstOffset      offset of the transaction's first batch in this partition
 * @param lastOffset       offset of the abort marker
 * @param lastStableOffset the partition's last stable offset right after the marker was written,
 *                         ignoring the high watermark: every transaction aborted later started at or
 *                         above it, which lets a search stop early
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {

    /** The form a {@code read_committed} fetch response carries. */
    public FetchResponseData.AbortedTransaction asAbortedTransaction() {
        return new FetchResponseData.AbortedTransaction().setProducerId(producerId).setFirstOffset(firstOffset);
    }
}
