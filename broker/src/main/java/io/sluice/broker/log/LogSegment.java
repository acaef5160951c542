package io.sluice.broker.log;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;

/**
 * One segment of a partition log: the batches from {@code baseOffset} up to the next segment's base
 * offset, in three files named by the base offset as 20 zero-padded digits:
 * <ul>
 *   <li>{@code <base>.log}: record batches (magic v2) exactly as stored by {@link PartitionLog#append},
 *       back to back, offsets increasing (compaction may leave gaps);</li>
 *   <li>{@code <base>.index}: {@link OffsetIndex}, an entry about every {@code index.interval.bytes};</li>
 *   <li>{@code <base>.timeindex}: {@link TimeIndex};</li>
 *   <li>{@code <base>.txnindex}: {@link TransactionIndex}, the transactions aborted by markers in this
 *       segment (only present once there is one).</li>
 * </ul>
 * A suffix after the extension marks files in transit: {@code .cleaned} (being written by the
 * cleaner), {@code .swap} (cleaned and committed, replacing the segment of the same base offset) and
 * {@code .deleted} (removed from the log, waiting for in-flight reads before the files go).
 *
 * <p>Only the last segment of a log (the active one) is appended to; its indexes are preallocated.
 * Every other segment is immutable except for being replaced whole by the cleaner, and its index
 * files are trimmed to their entries. Everything in the offset and time indexes can be rebuilt from
 * the {@code .log} ({@link #recover()}); the transaction index also needs the producer state at the
 * segment's start, so {@link #recover()} empties it and {@link ProducerStateManager#load} refills it.
 */
final class LogSegment implements Closeable {
    static final String LOG = ".log";
    static final String INDEX = ".index";
    static final String TIME_INDEX = ".timeindex";
    static final String TXN_INDEX = ".txnindex";
    static final String CLEANED = ".cleaned";
    static final String SWAP = ".swap";
    static final String DELETED = ".deleted";

    private final long baseOffset;
    private final FileRecords log;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private final long created;
    private final boolean indexesWereMissing;
    private int bytesSinceLastIndexEntry;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar;
    private volatile long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;

    private LogSegment(Path dir, long baseOffset, LogConfig config, long now, String suffix, boolean fresh)
            throws IOException {
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.created = now;
        File indexFile = file(dir, baseOffset, INDEX + suffix);
        File timeIndexFile = file(dir, baseOffset, TIME_INDEX + suffix);
        this.indexesWereMissing = !indexFile.exists() || !timeIndexFile.exists();
        // preallocate: a new active segment's file gets segment.bytes at once (less fragmentation);
        // it is trimmed to its data when it stops being active and at close.
        this.log = fresh && config.preallocate() && suffix.isEmpty()
                ? FileRecords.open(file(dir, baseOffset, LOG + suffix), false, config.segmentBytes(), true)
                : FileRecords.open(file(dir, baseOffset, LOG + suffix));
        this.offsetIndex = new OffsetIndex(indexFile, baseOffset, config.maxIndexSize());
        this.timeIndex = new TimeIndex(timeIndexFile, baseOffset, config.maxIndexSize());
        this.txnIndex = new TransactionIndex(file(dir, baseOffset, TXN_INDEX + suffix), baseOffset);
        this.offsetOfMaxTimestampSoFar = baseOffset;
        TimeIndex.TimestampOffset last = timeIndex.lastEntry();
        if (!indexesWereMissing && last.timestamp() != RecordBatch.NO_TIMESTAMP) {
            maxTimestampSoFar = last.timestamp();
            offsetOfMaxTimestampSoFar = last.offset();
        }
        Iterator<FileChannelRecordBatch> first = log.batches().iterator();
        try {
            if (first.hasNext()) {
                rollingBasedTimestamp = first.next().maxTimestamp();
            }
        } catch (CorruptRecordException e) {
            // The first batch is unreadable; recovery will deal with it.
        }
    }

    /** Opens the segment's existing files (or creates empty ones) with the given suffix. */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long now, String suffix) {
        return open(dir, baseOffset, config, now, suffix, false);
    }

    private static LogSegment open(Path dir, long baseOffset, LogConfig config, long now, String suffix, boolean fresh) {
        try {
            return new LogSegment(dir, baseOffset, config, now, suffix, fresh);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open segment " + baseOffset + " in " + dir, e);
        }
    }

    /** Creates a new, empty segment, discarding any stale files of the same name. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long now, String suffix) {
        try {
            for (String ext : new String[] {LOG, INDEX, TIME_INDEX, TXN_INDEX}) {
                Files.deleteIfExists(file(dir, baseOffset, ext + suffix).toPath());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open(dir, baseOffset, config, now, suffix, true);
    }

    static File file(Path dir, long baseOffset, String extension) {
        return dir.resolve(fileName(baseOffset, extension)).toFile();
    }

    static String fileName(long baseOffset, String extension) {
        return String.format("%020d", baseOffset) + extension;
    }

    long baseOffset() {
        return baseOffset;
    }

    int size() {
        return log.sizeInBytes();
    }

    FileRecords log() {
        return log;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    TransactionIndex txnIndex() {
        return txnIndex;
    }

    boolean indexesWereMissing() {
        return indexesWereMissing;
    }

    long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /** The first batch's largest timestamp ({@code max.compaction.lag.ms} counts from it), or -1. */
    long firstBatchTimestamp() {
        return rollingBasedTimestamp;
    }

    /** For retention: the newest record's timestamp, or the file's mtime when no batch has one. */
    long largestTimestamp() {
        return maxTimestampSoFar != RecordBatch.NO_TIMESTAMP ? maxTimestampSoFar : log.file().lastModified();
    }

    boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /**
     * How long this segment has been open for {@code segment.ms}: measured in record time from the
     * first batch (as Kafka does, so a replayed or mirrored log rolls the same way), or in wall-clock
     * time since creation when batches carry no timestamp.
     */
    long timeWaitedForRoll(long now, long incomingMaxTimestamp) {
        if (rollingBasedTimestamp >= 0 && incomingMaxTimestamp >= 0) {
            return incomingMaxTimestamp - rollingBasedTimestamp;
        }
        return now - created;
    }

    /** Appends batches whose offsets are already assigned. */
    void append(MemoryRecords records) throws IOException {
        int position = log.sizeInBytes();
        log.append(records);
        for (MutableRecordBatch batch : records.batches()) {
            indexBatch(batch.baseOffset(), batch.maxTimestamp(), position, batch.sizeInBytes());
            position += batch.sizeInBytes();
        }
    }

    private void indexBatch(long batchBaseOffset, long batchMaxTimestamp, int position, int size) {
        if (position == 0) {
            rollingBasedTimestamp = batchMaxTimestamp;
        }
        if (batchMaxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = batchMaxTimestamp;
            offsetOfMaxTimestampSoFar = batchBaseOffset;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            // A full index only makes lookups scan further; the log rolls on it before the next append.
            if (!offsetIndex.isFull()) {
                offsetIndex.append(batchBaseOffset, position);
            }
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, false);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += size;
    }

    /** Position and size of the first batch holding an offset &gt;= {@code offset}, or null. */
    LogOffsetPosition translateOffset(long offset) {
        return log.searchForOffsetFromPosition(offset, offsetIndex.lookup(offset).position());
    }

    /**
     * Up to {@code maxSize} bytes of whole batches (the last one possibly partial) from the batch
     * holding {@code startOffset}, never past {@code maxPosition}; no bytes when the first batch does
     * not fit; null when the segment holds nothing at or after the offset.
     */
    Slice read(long startOffset, int maxSize, int maxPosition, boolean minOneBatch) {
        LogOffsetPosition start = translateOffset(startOffset);
        if (start == null || start.position >= maxPosition) {
            return null;
        }
        int wanted = minOneBatch ? Math.max(maxSize, start.size) : maxSize;
        if (wanted < start.size) {
            // Part of one batch is of no use: clients (Fetch v3+) fail on a partition answered without a
            // whole batch, where an empty answer lets them ask again (as Kafka does).
            wanted = 0;
        }
        return new Slice(log.slice(start.position, Math.min(maxPosition - start.position, wanted)), start.position);
    }

    /** A read: the bytes, and where in the file they start. */
    record Slice(FileRecords records, int position) {
    }

    /**
     * An offset above every batch of a read of {@code fetchSize} bytes from {@code startPosition}: the
     * first indexed batch starting at or after the read's end, or empty when the index has none (then
     * the next segment's base offset bounds the read).
     */
    java.util.OptionalLong fetchUpperBoundOffset(int startPosition, int fetchSize) {
        return offsetIndex.firstOffsetAtOrAfterPosition((long) startPosition + fetchSize);
    }

    /** First record at or after {@code startingOffset} with a timestamp &gt;= {@code timestamp}. */
    Optional<TimestampAndOffset> findOffsetByTimestamp(long timestamp, long startingOffset) {
        TimeIndex.TimestampOffset entry = timeIndex.lookup(timestamp);
        int position = offsetIndex.lookup(Math.max(entry.offset(), startingOffset)).position();
        return Optional.ofNullable(log.searchForTimestamp(timestamp, position, startingOffset, Integer.MAX_VALUE));
    }

    /** The first record carrying this segment's largest timestamp. */
    Optional<TimestampAndOffset> offsetOfMaxTimestamp() {
        long max = maxTimestampSoFar;
        if (max == RecordBatch.NO_TIMESTAMP) {
            return Optional.empty();
        }
        LogOffsetPosition position = translateOffset(offsetOfMaxTimestampSoFar);
        if (position == null) {
            return Optional.empty();
        }
        for (FileChannelRecordBatch batch : log.batchesFrom(position.position)) {
            if (batch.maxTimestamp() == max) {
                Optional<Integer> epoch = batch.partitionLeaderEpoch() == RecordBatch.NO_PARTITION_LEADER_EPOCH
                        ? Optional.empty() : Optional.of(batch.partitionLeaderEpoch());
                return batch.offsetOfMaxTimestamp(Integer.MAX_VALUE)
                        .map(offset -> new TimestampAndOffset(max, offset, epoch));
            }
        }
        return Optional.empty();
    }

    /** Offset after the last batch, found by scanning from the last index entry. */
    long readNextOffset() {
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(offsetIndex.lastEntry().position())) {
            next = batch.nextOffset();
        }
        return next;
    }

    /**
     * Scans every batch, keeps the valid prefix, truncates the rest and rebuilds both indexes.
     * A batch is valid when its header is complete, its size field is sane and the whole batch is in
     * the file, it is magic v2, its CRC matches, and its offsets follow the previous batch's.
     *
     * @return what was cut off, or null when the whole file was valid
     */
    RecoveryResult recover() throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        txnIndex.reset();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        int validBytes = 0;
        long nextOffset = baseOffset;
        String problem = null;
        try {
            for (FileChannelRecordBatch batch : log.batches()) {
                problem = invalidity(batch, nextOffset);
                if (problem != null) {
                    break;
                }
                indexBatch(batch.baseOffset(), batch.maxTimestamp(), validBytes, batch.sizeInBytes());
                validBytes += batch.sizeInBytes();
                nextOffset = batch.nextOffset();
            }
        } catch (CorruptRecordException e) {
            problem = e.getMessage();
        }
        int truncated = log.sizeInBytes() - validBytes;
        if (truncated == 0) {
            return null;
        }
        if (problem == null) {
            problem = "torn batch";
        }
        log.truncateTo(validBytes);
        return new RecoveryResult(nextOffset, truncated, problem);
    }

    /**
     * Cuts the segment at the start of the batch holding {@code offset} (or the first batch above it)
     * and rebuilds the offset and time indexes over what is left. The transaction index is emptied, as
     * by {@link #recover()}; the caller refills it by replaying producer state.
     */
    void truncateTo(long offset) throws IOException {
        LogOffsetPosition at = translateOffset(offset);
        if (at != null) {
            log.truncateTo(at.position);
        }
        recover();
    }

    /** What {@link #recover()} cut off: bytes from the position where offset {@code offset} would be. */
    record RecoveryResult(long offset, int truncatedBytes, String reason) {
    }

    private String invalidity(FileChannelRecordBatch batch, long expectedAtLeast) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return "unsupported magic " + batch.magic();
        }
        if (batch.sizeInBytes() < DefaultRecordBatch.RECORD_BATCH_OVERHEAD) {
            return "batch size " + batch.sizeInBytes() + " below the batch header size";
        }
        if (!batch.isValid()) {
            return "CRC mismatch";
        }
        if (batch.baseOffset() < expectedAtLeast || batch.lastOffset() < batch.baseOffset()
                || batch.lastOffset() - baseOffset > Integer.MAX_VALUE) {
            return "offsets [" + batch.baseOffset() + ", " + batch.lastOffset() + "] out of order";
        }
        return null;
    }

    /**
     * Cheap check after a clean shutdown: the batches after the last index entry are whole and valid
     * and end exactly at the end of the file.
     */
    boolean tailIsValid() {
        OffsetIndex.OffsetPosition last = offsetIndex.lastEntry();
        if (last.position() > log.sizeInBytes()) {
            return false;
        }
        int position = last.position();
        long next = last.offset();
        try {
            for (FileChannelRecordBatch batch : log.batchesFrom(last.position())) {
                if (invalidity(batch, next) != null) {
                    return false;
                }
                position += batch.sizeInBytes();
                next = batch.nextOffset();
            }
        } catch (CorruptRecordException e) {
            return false;
        }
        return position == log.sizeInBytes();
    }

    void sanityCheckIndexes() {
        offsetIndex.sanityCheck();
        timeIndex.sanityCheck();
        txnIndex.sanityCheck();
        if (offsetIndex.lastEntry().position() > log.sizeInBytes()) {
            throw new AbstractIndex.CorruptIndexException("Offset index " + offsetIndex.file()
                    + " points past the end of " + log.file());
        }
    }

    /** Called when another segment takes over appends: records the final max timestamp, trims. */
    void onBecomeInactive() {
        timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
        try {
            log.trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot trim " + log.file(), e);
        }
    }

    void makeActive() {
        offsetIndex.makeWritable();
        timeIndex.makeWritable();
    }

    void flush() throws IOException {
        log.flush();
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /**
     * Renames the files from {@code from} suffix to {@code to} suffix. The .log goes last: its
     * name decides what recovery does, so it is the commit point.
     */
    void changeSuffix(String from, String to) throws IOException {
        offsetIndex.renameTo(renamed(offsetIndex.file(), from, to));
        timeIndex.renameTo(renamed(timeIndex.file(), from, to));
        txnIndex.renameTo(renamed(txnIndex.file(), from, to));
        log.renameTo(renamed(log.file(), from, to));
    }

    private static File renamed(File file, String from, String to) {
        String name = file.getName();
        if (!name.endsWith(from)) {
            throw new IllegalStateException("File " + file + " does not end with '" + from + "'");
        }
        return new File(file.getParentFile(), name.substring(0, name.length() - from.length()) + to);
    }

    @Override
    public void close() {
        try {
            onBecomeInactive();
        } catch (RuntimeException e) {
            // Trimming is an optimisation; the files stay consistent without it.
        }
        offsetIndex.close();
        timeIndex.close();
        txnIndex.close();
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void closeAndDelete() {
        try {
            log.close();
            log.deleteIfExists();
            offsetIndex.deleteIfExists();
            timeIndex.deleteIfExists();
            txnIndex.close();
            txnIndex.deleteIfExists();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete segment " + log.file(), e);
        }
    }

    @Override
    public String toString() {
        return "LogSegment(baseOffset=" + baseOffset + ", size=" + size() + ")";
    }
}
