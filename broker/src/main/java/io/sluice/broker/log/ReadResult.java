package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.Records;

import java.util.List;

/**
 * Bytes read from a log, exactly as stored (a slice of a segment file when read from disk, so that
 * the network layer can send it zero-copy), plus the offsets a fetch response reports.
 *
 * @param abortedTransactions for a {@link FetchIsolation#TXN_COMMITTED} read, the aborted transactions
 *                            overlapping the offsets read (possibly more, never fewer), oldest marker
 *                            first; null for other reads
 */
public record ReadResult(Records records, long highWatermark, long lastStableOffset, long logStartOffset,
                         long logEndOffset, List<AbortedTxn> abortedTransactions) {
}
