package io.sluice.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Checks the batches of a produce request and rewrites their headers in place: offsets, leader epoch
 * and, for LogAppendTime topics, the timestamp. Only header fields change (the CRC is recomputed by
 * the setters), so the records themselves are stored exactly as the producer encoded them. Either
 * every batch is accepted or an exception is thrown before anything is written.
 */
final class LogValidator {

    /** Outcome of a successful validation. */
    record Validated(long firstOffset, long lastOffset, long maxTimestamp) {
    }

    private LogValidator() {
    }

    static Validated validateAndAssignOffsets(TopicPartition tp, MemoryRecords batches, long nextOffset,
                                              int leaderEpoch, LogConfig config, long now) {
        long next = nextOffset;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        boolean any = false;
        for (MutableRecordBatch batch : batches.batches()) {
            if (batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Record batch magic " + batch.magic()
                        + " is not supported; use a client with message format v2");
            }
            if (!batch.isValid()) {
                throw new CorruptRecordException("Record batch for " + tp + " failed its CRC check");
            }
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException("Record batch of " + batch.sizeInBytes()
                        + " bytes is larger than max.message.bytes " + config.maxMessageBytes());
            }
            long count = batch.lastOffset() - batch.baseOffset() + 1;
            if (count <= 0) {
                throw new InvalidRecordException("Record batch has an invalid offset delta");
            }
            if (config.compact() && !batch.isControlBatch()) {
                for (Record record : batch) {
                    if (!record.hasKey()) {
                        throw new InvalidRecordException("Compacted topic " + tp.topic()
                                + " cannot accept a record without a key");
                    }
                }
            }
            batch.setLastOffset(next + count - 1);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (config.logAppendTime()) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            }
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            next += count;
            any = true;
        }
        if (!any) {
            throw new CorruptRecordException("Produce request for " + tp + " holds no record batch");
        }
        if (batches.validBytes() != batches.sizeInBytes()) {
            throw new CorruptRecordException("Produce request for " + tp + " ends with a partial batch");
        }
        return new Validated(nextOffset, next - 1, maxTimestamp);
    }
}
