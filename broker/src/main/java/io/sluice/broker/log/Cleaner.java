package io.sluice.broker.log;

import io.sluice.transactions.producer.ProducerState;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.FilterResult;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cleaning of one log, Kafka's algorithm:
 * <ol>
 *   <li>map every key of the dirty section (from the cleaner checkpoint up to the first uncleanable
 *       segment) to its latest offset in the {@link SkimpyOffsetMap}, skipping aborted transactions'
 *       data; when the map fills, the pass stops at the last whole batch mapped and the rest of the
 *       dirty section waits for the next pass;</li>
 *   <li>rewrite every segment below that point (the already clean ones too: a dirty record may
 *       supersede a clean one), in groups that fit one segment ({@code segment.bytes}, the index size and
 *       the 32-bit relative offsets), into a {@code .cleaned} segment through {@link CompactionFilter};</li>
 *   <li>swap each group's cleaned segment in ({@link PartitionLog#replaceSegments}).</li>
 * </ol>
 * Offsets never change; cleaned segments have gaps. Segments are read in chunks of the I/O buffer size
 * (grown for a larger batch, then shrunk back), so memory is the offset map plus two buffers.
 */
final class Cleaner {
    private static final Logger log = LoggerFactory.getLogger(Cleaner.class);

    /** Thrown when the log's cleaning is aborted (its deletion, say) while in progress. */
    static final class AbortedException extends RuntimeException {
        AbortedException(String message) {
            super(message, null, false, false);
        }
    }

    /** Asked between chunks: throws {@link AbortedException} when the cleaning must stop. */
    interface AbortCheck {
        void check();
    }

    /**
     * What a cleaning did: the new checkpoint (first dirty offset) and the numbers for the log line.
     * {@code bytesRead} counts the segments read for rewriting and {@code mapBytesRead} the dirty section
     * read to fill the offset map, as Kafka's cleaner stats do, so that the two log lines compare.
     */
    record Result(long endOffset, int segmentsRewritten, long bytesRead, long mapBytesRead, long bytesWritten,
                  int keys, long nextDeleteHorizonMs, double mapUtilization) {
    }

    private final SkimpyOffsetMap map;
    private final int ioBufferSize;
    private final Throttler throttler;
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    Cleaner(SkimpyOffsetMap map, int ioBufferSize, Throttler throttler) {
        this.map = map;
        this.ioBufferSize = ioBufferSize;
        this.throttler = throttler;
    }

    SkimpyOffsetMap offsetMap() {
        return map;
    }

    Result clean(LogToClean toClean, AbortCheck abort) throws IOException, InterruptedException {
        PartitionLog partitionLog = toClean.log();
        long now = partitionLog.time().milliseconds();
        long[] mapBytesRead = {0};
        long endOffset = buildOffsetMap(partitionLog, toClean.firstDirtyOffset(), toClean.firstUncleanableOffset(),
                abort, mapBytesRead);
        long[] bytesRead = {0};
        LogConfig config = partitionLog.config();
        List<LogSegment> cleanable = new ArrayList<>();
        for (LogSegment segment : partitionLog.segmentsSnapshot()) {
            if (segment.baseOffset() < endOffset && segment.baseOffset() < toClean.firstUncleanableOffset()) {
                cleanable.add(segment);
            }
        }
        Map<Long, LastBatch> lastBatches = lastBatchesOfProducers(partitionLog);
        CleanedTransactionMetadata transactions = new CleanedTransactionMetadata();
        CompactionFilter filter = new CompactionFilter(now, config.deleteRetentionMs(), map, transactions, lastBatches);
        long bytesWritten = 0;
        int rewritten = 0;
        try (BufferSupplier decompression = BufferSupplier.create()) {
            for (List<LogSegment> group : groupSegmentsBySize(cleanable, config.segmentBytes(), config.maxIndexSize())) {
                long written = cleanSegments(partitionLog, group, filter, transactions, decompression, abort, bytesRead,
                        now);
                if (written < 0) {
                    throw new AbortedException("a segment of " + partitionLog.topicPartition()
                            + " was removed while it was being cleaned");
                }
                bytesWritten += written;
                rewritten += group.size();
            }
        } finally {
            restoreBuffers();
        }
        return new Result(endOffset, rewritten, bytesRead[0], mapBytesRead[0], bytesWritten, map.size(),
                filter.nextDeleteHorizonMs, map.utilization());
    }

    /**
     * Fills the map from {@code start} up to {@code end} (a segment base offset), stopping early at a batch
     * that might not fit.
     *
     * @return the offset after the last batch mapped: where the next cleaning starts
     */
    private long buildOffsetMap(PartitionLog partitionLog, long start, long end, AbortCheck abort, long[] bytesRead)
            throws InterruptedException {
        map.clear();
        map.updateLatestOffset(start - 1);
        CleanedTransactionMetadata transactions = new CleanedTransactionMetadata();
        List<LogSegment> segments = partitionLog.segmentsSnapshot();
        for (int i = 0; i < segments.size(); i++) {
            LogSegment segment = segments.get(i);
            long nextBase = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : Long.MAX_VALUE;
            if (segment.baseOffset() >= end) {
                break;
            }
            if (nextBase <= start) {
                continue;
            }
            abort.check();
            transactions.addAbortedTransactions(
                    partitionLog.abortedTransactions(Math.max(start, segment.baseOffset()), Math.min(nextBase, end)));
            int position = 0;
            if (start > segment.baseOffset()) {
                FileRecords.LogOffsetPosition found = segment.translateOffset(start);
                if (found == null) {
                    continue;
                }
                position = found.position;
            }
            long readSinceThrottle = 0;
            for (FileChannelRecordBatch batch : segment.log().batchesFrom(position)) {
                if (batch.lastOffset() < start) {
                    continue;
                }
                readSinceThrottle += batch.sizeInBytes();
                if (batch.isControlBatch()) {
                    transactions.onControlBatchRead(batch);
                } else if (!transactions.onBatchRead(batch)) {
                    Integer count = batch.countOrNull();
                    int records = count != null ? count : (int) (batch.lastOffset() - batch.baseOffset() + 1);
                    if (!map.hasRoomFor(records)) {
                        if (map.size() == 0) {
                            throw new IllegalStateException("The offset map (" + map.maxEntries() + " keys, from "
                                    + "log.cleaner.dedupe.buffer.size) cannot hold the " + records
                                    + " records of the batch at offset " + batch.baseOffset() + " of "
                                    + partitionLog.topicPartition());
                        }
                        bytesRead[0] += readSinceThrottle - batch.sizeInBytes();
                        log.info("Offset map of {} full at offset {} ({} keys): cleaning up to there this pass",
                                partitionLog.topicPartition(), map.latestOffset(), map.size());
                        return map.latestOffset() + 1;
                    }
                    for (Record record : batch) {
                        if (record.hasKey()) {
                            map.put(record.key(), record.offset());
                        }
                    }
                }
                map.updateLatestOffset(batch.lastOffset());
                if (readSinceThrottle >= ioBufferSize) {
                    throttler.maybeThrottle(readSinceThrottle);
                    bytesRead[0] += readSinceThrottle;
                    readSinceThrottle = 0;
                    abort.check();
                }
            }
            throttler.maybeThrottle(readSinceThrottle);
            bytesRead[0] += readSinceThrottle;
        }
        return map.latestOffset() + 1;
    }

    /** A producer's last data batch (lastDataOffset, or -1 when it only wrote markers) and epoch. */
    record LastBatch(long lastDataOffset, short epoch) {
    }

    private static Map<Long, LastBatch> lastBatchesOfProducers(PartitionLog partitionLog) {
        Map<Long, LastBatch> last = new HashMap<>();
        for (ProducerState state : partitionLog.producerStates()) {
            long lastData = state.batches().isEmpty() ? -1L : state.batches().get(state.batches().size() - 1).lastOffset();
            last.put(state.producerId(), new LastBatch(lastData, state.epoch()));
        }
        return last;
    }

    /**
     * Consecutive segments that together fit in one segment: their sizes add up to at most
     * {@code maxSize}, their index entries to at most {@code maxIndexSize}, and every offset is within
     * 32 bits of the first base offset (Kafka's {@code groupSegmentsBySize}).
     */
    static List<List<LogSegment>> groupSegmentsBySize(List<LogSegment> segments, int maxSize, int maxIndexSize) {
        List<List<LogSegment>> groups = new ArrayList<>();
        int i = 0;
        while (i < segments.size()) {
            List<LogSegment> group = new ArrayList<>();
            LogSegment first = segments.get(i++);
            group.add(first);
            long logSize = first.size();
            long indexSize = first.offsetIndex().entries() * 8L;
            long timeIndexSize = first.timeIndex().entries() * 12L;
            while (i < segments.size()) {
                LogSegment next = segments.get(i);
                long nextEnd = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() - 1 : next.readNextOffset() - 1;
                if (logSize + next.size() > maxSize
                        || indexSize + next.offsetIndex().entries() * 8L > maxIndexSize
                        || timeIndexSize + next.timeIndex().entries() * 12L > maxIndexSize
                        || nextEnd - first.baseOffset() > Integer.MAX_VALUE) {
                    break;
                }
                group.add(next);
                logSize += next.size();
                indexSize += next.offsetIndex().entries() * 8L;
                timeIndexSize += next.timeIndex().entries() * 12L;
                i++;
            }
            groups.add(group);
        }
        return groups;
    }

    /**
     * Writes the group's retained batches into one {@code .cleaned} segment and swaps it in.
     *
     * @return bytes written, or -1 when the log no longer holds the group (the cleaned files are deleted)
     */
    private long cleanSegments(PartitionLog partitionLog, List<LogSegment> group, CompactionFilter filter,
                               CleanedTransactionMetadata transactions, BufferSupplier decompression,
                               AbortCheck abort, long[] bytesRead, long now) throws IOException, InterruptedException {
        LogSegment cleaned = LogSegment.create(partitionLog.dir(), group.get(0).baseOffset(), partitionLog.config(), now,
                LogSegment.CLEANED);
        try {
            transactions.cleanedIndex(cleaned.txnIndex());
            long lastModified = 0;
            for (LogSegment segment : group) {
                long nextBase = partitionLog.nextSegmentBase(segment.baseOffset());
                transactions.addAbortedTransactions(partitionLog.abortedTransactions(segment.baseOffset(), nextBase));
                cleanInto(segment, cleaned, filter, decompression, abort, bytesRead);
                lastModified = Math.max(lastModified, segment.log().file().lastModified());
            }
            cleaned.onBecomeInactive();
            cleaned.flush();
            if (lastModified > 0 && !cleaned.log().file().setLastModified(lastModified)) {
                log.debug("Cannot carry the modification time over to {}", cleaned.log().file());
            }
            long written = cleaned.size();
            abort.check();
            return partitionLog.replaceSegments(group, cleaned) ? written : -1;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cleaned.closeAndDelete();
            throw e;
        } finally {
            transactions.cleanedIndex(null);
        }
    }

    private void cleanInto(LogSegment source, LogSegment cleaned, CompactionFilter filter, BufferSupplier decompression,
                           AbortCheck abort, long[] bytesRead) throws IOException, InterruptedException {
        FileRecords records = source.log();
        int size = records.sizeInBytes();
        int position = 0;
        while (position < size) {
            abort.check();
            int chunkEnd = chunkEnd(records, position);
            if (chunkEnd == position) {
                break;
            }
            int length = chunkEnd - position;
            ByteBuffer in = readBuffer(length);
            records.readInto(in, position);
            ByteBuffer out = writeBuffer(length);
            FilterResult result = MemoryRecords.readableRecords(in).filterTo(filter, out, decompression,
                    Integer.MAX_VALUE);
            ByteBuffer output = result.outputBuffer();
            if (output.position() > 0) {
                output.flip();
                cleaned.append(MemoryRecords.readableRecords(output));
            }
            // filterTo allocates a larger buffer when a chunk grows; keep it until the end of this cleaning.
            if (output != out) {
                writeBuffer = output;
            }
            bytesRead[0] += length;
            throttler.maybeThrottle(length + (long) result.bytesRetained());
            position = chunkEnd;
        }
    }

    /** End of a run of whole batches from {@code position}: about a buffer's worth, at least one batch. */
    private int chunkEnd(FileRecords records, int position) {
        int end = position;
        for (FileChannelRecordBatch batch : records.batchesFrom(position)) {
            if (end > position && end - position + batch.sizeInBytes() > ioBufferSize) {
                break;
            }
            end += batch.sizeInBytes();
        }
        return end;
    }

    private ByteBuffer readBuffer(int length) {
        if (readBuffer == null || readBuffer.capacity() < length) {
            readBuffer = ByteBuffer.allocate(Math.max(ioBufferSize, length));
        }
        readBuffer.clear();
        readBuffer.limit(length);
        return readBuffer;
    }

    private ByteBuffer writeBuffer(int length) {
        if (writeBuffer == null || writeBuffer.capacity() < Math.min(length, ioBufferSize)) {
            writeBuffer = ByteBuffer.allocate(ioBufferSize);
        }
        writeBuffer.clear();
        return writeBuffer;
    }

    /** Drops buffers grown for a large batch, as Kafka's {@code restoreBuffers} does. */
    private void restoreBuffers() {
        if (readBuffer != null && readBuffer.capacity() > ioBufferSize) {
            readBuffer = null;
        }
        if (writeBuffer != null && writeBuffer.capacity() > ioBufferSize) {
            writeBuffer = null;
        }
    }
}
