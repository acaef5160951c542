package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The log of one partition: record batches stored exactly as producers sent them, offsets assigned
 * here. Single writer (appends are serialised), many readers.
 */
public final class PartitionLog implements Closeable {
    private final TopicPartition topicPartition;
    private final Path dir;
    private volatile LogConfig config;
    private final FileRecords records;
    private volatile long logStartOffset;
    private volatile long logEndOffset;

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config) throws IOException {
        this.topicPartition = tp;
        this.dir = dir;
        this.config = config;
        Files.createDirectories(dir);
        this.records = FileRecords.open(dir.resolve(String.format("%020d.log", 0L)).toFile());
        long next = 0;
        for (FileChannelRecordBatch batch : records.batches()) {
            next = batch.nextOffset();
        }
        this.logEndOffset = next;
    }

    public static PartitionLog open(Path dir, TopicPartition tp, LogConfig config) {
        try {
            return new PartitionLog(tp, dir, config);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open log " + dir, e);
        }
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    /**
     * Validates the batches (magic v2, CRC, size), assigns offsets and, for LogAppendTime topics,
     * stamps the broker time; then appends. Nothing is written if any batch is invalid.
     */
    public synchronized AppendResult append(MemoryRecords batches, int leaderEpoch) {
        long now = System.currentTimeMillis();
        long next = logEndOffset;
        long first = next;
        boolean any = false;
        for (MutableRecordBatch batch : batches.batches()) {
            if (batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Record batch magic " + batch.magic()
                        + " is not supported; use a client with message format v2");
            }
            if (!batch.isValid()) {
                throw new CorruptRecordException("Record batch for " + topicPartition + " failed its CRC check");
            }
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException("Record batch of " + batch.sizeInBytes()
                        + " bytes is larger than max.message.bytes " + config.maxMessageBytes());
            }
            long count = batch.lastOffset() - batch.baseOffset() + 1;
            if (count <= 0) {
                throw new InvalidRecordException("Record batch has an invalid offset delta");
            }
            batch.setLastOffset(next + count - 1);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (config.logAppendTime()) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            }
            next += count;
            any = true;
        }
        if (!any) {
            throw new CorruptRecordException("Produce request for " + topicPartition + " holds no record batch");
        }
        if (batches.validBytes() != batches.sizeInBytes()) {
            throw new CorruptRecordException("Produce request for " + topicPartition + " ends with a partial batch");
        }
        try {
            records.append(batches);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        logEndOffset = next;
        return new AppendResult(first, next - 1, config.logAppendTime() ? now : -1, logStartOffset);
    }

    /**
     * Reads up to {@code maxBytes} from {@code fetchOffset}; with {@code minOneBatch} the first batch
     * is returned whole even when it is larger than {@code maxBytes}, so a consumer can always make
     * progress.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch) {
        long end = logEndOffset;
        long start = logStartOffset;
        if (fetchOffset < start || fetchOffset > end) {
            throw new OffsetOutOfRangeException("Offset " + fetchOffset + " is out of range for " + topicPartition
                    + " [" + start + ", " + end + "]");
        }
        if (fetchOffset == end) {
            return new ReadResult(MemoryRecords.EMPTY, end, start, end);
        }
        FileRecords.LogOffsetPosition pos = records.searchForOffsetFromPosition(fetchOffset, 0);
        if (pos == null) {
            return new ReadResult(MemoryRecords.EMPTY, end, start, end);
        }
        int available = records.sizeInBytes() - pos.position;
        int size = Math.min(available, minOneBatch ? Math.max(maxBytes, pos.size) : maxBytes);
        return new ReadResult(records.slice(pos.position, size), end, start, end);
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    public long highWatermark() {
        return logEndOffset;
    }

    /** Offsets below this are not part of any open transaction; equals the high watermark until transactions exist. */
    public long lastStableOffset() {
        return highWatermark();
    }

    /** The first offset whose timestamp is at or after {@code timestamp}, if any. */
    public Optional<FileRecords.TimestampAndOffset> offsetForTimestamp(long timestamp) {
        return Optional.ofNullable(records.searchForTimestamp(timestamp, 0, logStartOffset, 0));
    }

    /** The offset of the record with the largest timestamp (ListOffsets MAX_TIMESTAMP), if any. */
    public Optional<FileRecords.TimestampAndOffset> maxTimestampOffset() {
        return records.sizeInBytes() == 0 ? Optional.empty() : Optional.ofNullable(records.largestTimestampAfter(0));
    }

    /** Moves the log start offset forward (DeleteRecords); returns the new log start offset. */
    public synchronized long deleteRecordsBefore(long offset) {
        if (offset > logEndOffset) {
            throw new OffsetOutOfRangeException("Cannot delete records before " + offset + ": log end is " + logEndOffset);
        }
        logStartOffset = Math.max(logStartOffset, offset);
        return logStartOffset;
    }

    public void flush() {
        try {
            records.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            records.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
