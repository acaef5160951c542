package io.sluice.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.ProduceResponse.RecordError;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks the batches of a produce request and assigns their offsets, as Kafka's LogValidator does.
 *
 * <p>A batch whose codec is the topic's ({@code compression.type}; {@code producer} accepts any) keeps
 * its bytes: only header fields change (offsets, leader epoch and, for LogAppendTime topics, the
 * timestamp; the setters recompute the CRC). Any other batch is rebuilt with the topic's codec and
 * level, keeping its producer id, epoch, base sequence, transactional flag, record timestamps and
 * headers. Control batches are never rebuilt.
 *
 * <p>Records are looked at one by one only when a rule needs it: keys on compacted topics, CreateTime
 * timestamps against {@code message.timestamp.before.max.ms} / {@code after.max.ms}. Every offending
 * record is reported (KIP-467) in one {@link RecordValidationException}. Either every batch is
 * accepted or an exception is thrown before anything is written.
 */
final class LogValidator {

    /**
     * Outcome of a successful validation.
     *
     * @param records the batches to write: the request's own buffer, or a new one when a batch was rebuilt
     */
    record Validated(MemoryRecords records, long firstOffset, long lastOffset, long maxTimestamp) {
    }

    private LogValidator() {
    }

    static Validated validateAndAssignOffsets(TopicPartition tp, MemoryRecords batches, long nextOffset,
                                              int leaderEpoch, LogConfig config, long now) {
        Optional<Compression> target = config.compression();
        boolean logAppendTime = config.logAppendTime();
        TimestampBounds bounds = logAppendTime ? TimestampBounds.NONE
                : new TimestampBounds(now, config.messageTimestampBeforeMaxMs(), config.messageTimestampAfterMaxMs());
        List<RecordError> recordErrors = new ArrayList<>();
        boolean badTimestamp = false;
        List<ByteBuffer> rebuilt = new ArrayList<>();
        boolean anyRebuilt = false;
        long next = nextOffset;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        boolean any = false;
        for (MutableRecordBatch batch : batches.batches()) {
            checkBatch(tp, batch, config);
            long count = batch.lastOffset() - batch.baseOffset() + 1;
            boolean recompress = !batch.isControlBatch() && target.isPresent()
                    && target.get().type() != batch.compressionType();
            List<Record> records = null;
            if (recompress || (!batch.isControlBatch() && (config.compact() || bounds.mayReject(batch)))) {
                records = new ArrayList<>();
                int index = 0;
                for (Record record : batch) {
                    long offset = next + record.offset() - batch.baseOffset();
                    if (config.compact() && !batch.isControlBatch() && !record.hasKey()) {
                        recordErrors.add(new RecordError(index, "Compacted topic cannot accept message without key "
                                + "in topic partition " + tp + " (record " + index + ", offset " + offset + ")."));
                    }
                    if (!batch.isControlBatch() && bounds.rejects(record.timestamp())) {
                        badTimestamp = true;
                        recordErrors.add(new RecordError(index, "Timestamp " + record.timestamp() + " of message with offset "
                                + offset + " is out of range. The timestamp should be within [" + bounds.lowest() + ", "
                                + bounds.highest() + "]"));
                    }
                    records.add(record);
                    index++;
                }
            }
            if (recompress && !records.isEmpty()) {
                MemoryRecords fresh = recompress(batch, records, next, leaderEpoch, target.get(), logAppendTime, now);
                if (fresh.sizeInBytes() > config.maxMessageBytes()) {
                    throw new RecordTooLargeException("Record batch of " + fresh.sizeInBytes() + " bytes after "
                            + "recompression is larger than max.message.bytes " + config.maxMessageBytes());
                }
                rebuilt.add(fresh.buffer());
                anyRebuilt = true;
                maxTimestamp = Math.max(maxTimestamp, fresh.batches().iterator().next().maxTimestamp());
            } else {
                batch.setLastOffset(next + count - 1);
                batch.setPartitionLeaderEpoch(leaderEpoch);
                if (logAppendTime) {
                    batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
                }
                rebuilt.add(null);
                maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            }
            next += count;
            any = true;
        }
        if (!any) {
            throw new CorruptRecordException("Produce request for " + tp + " holds no record batch");
        }
        if (batches.validBytes() != batches.sizeInBytes()) {
            throw new CorruptRecordException("Produce request for " + tp + " ends with a partial batch");
        }
        if (!recordErrors.isEmpty()) {
            throw rejected(recordErrors, badTimestamp);
        }
        MemoryRecords out = anyRebuilt ? concatenate(batches, rebuilt) : batches;
        return new Validated(out, nextOffset, next - 1, maxTimestamp);
    }

    private static void checkBatch(TopicPartition tp, MutableRecordBatch batch, LogConfig config) {
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
        if (batch.lastOffset() - batch.baseOffset() < 0) {
            throw new InvalidRecordException("Record batch has an invalid offset delta");
        }
    }

    /** Kafka's wording, so that tools matching on it behave the same. */
    private static RecordValidationException rejected(List<RecordError> errors, boolean badTimestamp) {
        if (badTimestamp) {
            return new RecordValidationException(new InvalidTimestampException(
                    "One or more records have been rejected due to invalid timestamp"), errors);
        }
        return new RecordValidationException(new InvalidRecordException("One or more records have been rejected due to "
                + errors.size() + " record errors in total, and only showing the first three errors at most: "
                + errors.subList(0, Math.min(3, errors.size()))), errors);
    }

    private static MemoryRecords recompress(MutableRecordBatch batch, List<Record> records, long baseOffset,
                                            int leaderEpoch, Compression target, boolean logAppendTime, long now) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(Math.max(batch.sizeInBytes(), 256)),
                RecordBatch.MAGIC_VALUE_V2, target,
                logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME, baseOffset,
                logAppendTime ? now : RecordBatch.NO_TIMESTAMP, batch.producerId(), batch.producerEpoch(),
                batch.baseSequence(), batch.isTransactional(), leaderEpoch);
        for (Record record : records) {
            // Offset deltas kept, so the batch covers the same offsets as the producer's.
            builder.appendWithOffset(baseOffset + record.offset() - batch.baseOffset(), record);
        }
        return builder.build();
    }

    /** The batches in order: each rebuilt one from {@code rebuilt}, the others (null there) as they are. */
    private static MemoryRecords concatenate(MemoryRecords original, List<ByteBuffer> rebuilt) {
        int size = 0;
        int i = 0;
        for (MutableRecordBatch batch : original.batches()) {
            ByteBuffer fresh = rebuilt.get(i++);
            size += fresh == null ? batch.sizeInBytes() : fresh.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        i = 0;
        for (MutableRecordBatch batch : original.batches()) {
            ByteBuffer fresh = rebuilt.get(i++);
            if (fresh == null) {
                batch.writeTo(out);
            } else {
                out.put(fresh.duplicate());
            }
        }
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    /** The CreateTime window [now - before.max.ms, now + after.max.ms]; NONE accepts every timestamp. */
    private record TimestampBounds(long now, long beforeMaxMs, long afterMaxMs) {
        static final TimestampBounds NONE = new TimestampBounds(0, Long.MAX_VALUE, Long.MAX_VALUE);

        long lowest() {
            return beforeMaxMs >= now ? Long.MIN_VALUE : now - beforeMaxMs;
        }

        long highest() {
            return afterMaxMs > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + afterMaxMs;
        }

        /** Whether some record of the batch could be out of range: its header's max timestamp tells for the upper bound. */
        boolean mayReject(RecordBatch batch) {
            return beforeMaxMs != Long.MAX_VALUE || batch.maxTimestamp() > highest();
        }

        boolean rejects(long timestamp) {
            return timestamp < lowest() || timestamp > highest();
        }
    }
}
