package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.Records;

/**
 * Bytes read from a log, exactly as stored (a slice of a segment file when read from disk, so that
 * the network layer can send it zero-copy), plus the offsets a fetch response reports.
 */
public record ReadResult(Records records, long highWatermark, long logStartOffset, long logEndOffset) {
}
