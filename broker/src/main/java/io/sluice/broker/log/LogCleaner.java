package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.FilterResult;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compaction for logs with {@code cleanup.policy=compact}: keeps the latest record per key.
 *
 * <p>A pass takes the cleanable segments (every segment but the active one, oldest first, stopping at
 * the first whose newest record is younger than {@code min.compaction.lag.ms}), maps every key in them
 * to its latest offset, and rewrites each segment through kafka-clients' {@code MemoryRecords.filterTo},
 * which keeps batches it does not change byte for byte and re-encodes the others with their original
 * offsets, so offsets never change (gaps appear). Each rewritten segment is swapped in through
 * {@link PartitionLog#replaceSegment}.
 *
 * <p>Tombstones (a key with a null value) follow Kafka's delete-horizon scheme: the first pass that
 * keeps a tombstone stamps its batch with a delete horizon of now + {@code delete.retention.ms}; a pass
 * after the horizon drops it. A consumer that reads the log from the start within
 * {@code delete.retention.ms} of a tombstone being cleaned therefore still sees the delete.
 *
 * <p>Control batches and transactional batches are kept as they are, and transactional records do not
 * shadow older values of their key, since their transaction may have aborted.
 *
 * <p>One thread cleans at a time (the log manager's scheduler); appends continue meanwhile, as the
 * cleaner only reads segments that are no longer appended to.
 */
public final class LogCleaner {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    private static final int CHUNK_BYTES = 1 << 20;

    /** Offset up to which a log was last cleaned, and when its earliest kept tombstone may go. */
    private record CleanState(long cleanedUpTo, long nextTombstoneExpiryMs) {
    }

    private final Map<PartitionLog, CleanState> states = new ConcurrentHashMap<>();

    /**
     * Cleans the log if it is compacted and has something to do: new records since the last pass or a
     * tombstone whose delete horizon has passed.
     *
     * @return the number of segments rewritten
     */
    public int clean(PartitionLog partitionLog) throws IOException {
        LogConfig config = partitionLog.config();
        if (!config.compact()) {
            return 0;
        }
        long now = partitionLog.time().milliseconds();
        List<LogSegment> all = partitionLog.segmentsSnapshot();
        List<LogSegment> cleanable = new ArrayList<>();
        for (int i = 0; i < all.size() - 1; i++) {
            LogSegment segment = all.get(i);
            // A segment without timestamps (emptied by an earlier pass, say) holds nothing the lag protects.
            long newest = segment.maxTimestampSoFar();
            if (newest != RecordBatch.NO_TIMESTAMP && now - newest < config.minCompactionLagMs()) {
                break;
            }
            cleanable.add(segment);
        }
        if (cleanable.isEmpty()) {
            return 0;
        }
        long cleanableEnd = all.get(cleanable.size()).baseOffset();
        CleanState previous = states.get(partitionLog);
        if (previous != null && previous.cleanedUpTo() >= cleanableEnd && now < previous.nextTombstoneExpiryMs()) {
            return 0;
        }

        Map<ByteBuffer, Long> latest = buildOffsetMap(cleanable);
        CompactionFilter filter = new CompactionFilter(now, config.deleteRetentionMs(), latest);
        long bytesBefore = 0;
        long bytesAfter = 0;
        int rewritten = 0;
        try (BufferSupplier buffers = BufferSupplier.create()) {
            for (LogSegment segment : cleanable) {
                LogSegment cleaned = cleanSegment(partitionLog, segment, filter, buffers, now);
                long sizeBefore = segment.size();
                long sizeAfter = cleaned.size();
                if (partitionLog.replaceSegment(segment, cleaned)) {
                    rewritten++;
                    bytesBefore += sizeBefore;
                    bytesAfter += sizeAfter;
                }
            }
        }
        states.put(partitionLog, new CleanState(cleanableEnd, filter.nextTombstoneExpiryMs));
        log.info("Cleaned {} up to offset {}: {} segment(s), {} -> {} bytes, {} distinct keys",
                partitionLog.topicPartition(), cleanableEnd, rewritten, bytesBefore, bytesAfter, latest.size());
        return rewritten;
    }

    /** Forgets a log that was closed or deleted. */
    public void forget(PartitionLog partitionLog) {
        states.remove(partitionLog);
    }

    private static Map<ByteBuffer, Long> buildOffsetMap(List<LogSegment> segments) {
        Map<ByteBuffer, Long> latest = new HashMap<>();
        for (LogSegment segment : segments) {
            for (FileChannelRecordBatch batch : segment.log().batches()) {
                if (batch.isControlBatch() || batch.isTransactional()) {
                    continue;
                }
                for (Record record : batch) {
                    if (record.hasKey()) {
                        latest.put(ByteBuffer.wrap(Utils.toArray(record.key())), record.offset());
                    }
                }
            }
        }
        return latest;
    }

    private static LogSegment cleanSegment(PartitionLog partitionLog, LogSegment source, CompactionFilter filter,
                                           BufferSupplier buffers, long now) throws IOException {
        LogSegment cleaned = LogSegment.create(partitionLog.dir(), source.baseOffset(), partitionLog.config(), now,
                LogSegment.CLEANED);
        try {
            FileRecords records = source.log();
            int size = records.sizeInBytes();
            ByteBuffer readBuffer = ByteBuffer.allocate(Math.min(CHUNK_BYTES, Math.max(size, 1)));
            ByteBuffer writeBuffer = ByteBuffer.allocate(readBuffer.capacity());
            int position = 0;
            while (position < size) {
                int chunkEnd = chunkEnd(records, position);
                if (chunkEnd == position) {
                    break;
                }
                int length = chunkEnd - position;
                if (readBuffer.capacity() < length) {
                    readBuffer = ByteBuffer.allocate(length);
                }
                readBuffer.clear();
                readBuffer.limit(length);
                records.readInto(readBuffer, position);
                writeBuffer.clear();
                FilterResult result = MemoryRecords.readableRecords(readBuffer)
                        .filterTo(filter, writeBuffer, buffers, Integer.MAX_VALUE);
                ByteBuffer output = result.outputBuffer();
                if (output.position() > 0) {
                    output.flip();
                    cleaned.append(MemoryRecords.readableRecords(output));
                }
                // filterTo allocates a larger buffer when a chunk grows; keep it for the next chunk.
                if (output.capacity() > writeBuffer.capacity()) {
                    writeBuffer = output;
                }
                position = chunkEnd;
            }
            cleaned.onBecomeInactive();
            cleaned.flush();
            return cleaned;
        } catch (IOException | RuntimeException e) {
            cleaned.closeAndDelete();
            throw e;
        }
    }

    /** End of a run of whole batches from {@code position}: about a chunk, at least one batch. */
    private static int chunkEnd(FileRecords records, int position) {
        int end = position;
        for (FileChannelRecordBatch batch : records.batchesFrom(position)) {
            if (end > position && end - position + batch.sizeInBytes() > CHUNK_BYTES) {
                break;
            }
            end += batch.sizeInBytes();
        }
        return end;
    }

    private static final class CompactionFilter extends RecordFilter {
        private final Map<ByteBuffer, Long> latest;
        private long nextTombstoneExpiryMs = Long.MAX_VALUE;

        CompactionFilter(long now, long deleteRetentionMs, Map<ByteBuffer, Long> latest) {
            super(now, deleteRetentionMs);
            this.latest = latest;
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            boolean untouchable = batch.isControlBatch() || batch.isTransactional();
            return new BatchRetentionResult(untouchable ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                    false);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            if (batch.isControlBatch() || batch.isTransactional() || !record.hasKey()) {
                return true;
            }
            Long latestOffset = latest.get(record.key());
            if (latestOffset != null && record.offset() < latestOffset) {
                return false;
            }
            if (!record.hasValue()) {
                OptionalLong horizon = batch.deleteHorizonMs();
                if (horizon.isPresent() && currentTime >= horizon.getAsLong()) {
                    return false;
                }
                long expiry = horizon.isPresent() ? horizon.getAsLong() : currentTime + deleteRetentionMs;
                nextTombstoneExpiryMs = Math.min(nextTombstoneExpiryMs, expiry);
            }
            return true;
        }
    }
}
