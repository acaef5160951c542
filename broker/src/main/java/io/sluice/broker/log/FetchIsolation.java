package io.sluice.broker.log;

/** How far a read may go: Kafka's {@code FetchIsolation}. */
public enum FetchIsolation {
    /** To the log end: the broker's own readers (group metadata, replicas). */
    LOG_END,
    /** To the high watermark: {@code read_uncommitted} consumers. */
    HIGH_WATERMARK,
    /** To the last stable offset, with the aborted transactions: {@code read_committed} consumers. */
    TXN_COMMITTED
}
