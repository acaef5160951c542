package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The log of one partition: a directory {@code <topic>-<partition>/} of {@link LogSegment}s, record
 * batches stored exactly as producers sent them, offsets assigned here.
 *
 * <p>Invariants: segments are keyed by base offset and cover increasing, non-overlapping offset
 * ranges; only the last (active) segment is appended to; {@code logStartOffset <= highWatermark <=
 * logEndOffset}; everything below the recovery point has been fsynced.
 *
 * <p>Concurrency: mutations (append, roll, retention, segment swaps, config) are serialised on this
 * object; reads take no lock. A read captures the log end ({@link LogOffsetMetadata}) first and never
 * looks past it, so it never sees a half-appended batch. Removed segments are renamed to
 * {@code .deleted} and their files closed later through {@link LogOptions#deferredDelete()}, so a
 * slice handed to the network layer stays readable while it is being sent.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    /** The log end: next offset, and where it falls in the active segment. */
    record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
    }

    private final TopicPartition topicPartition;
    private final Path dir;
    private final LogOptions options;
    private final Time time;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private volatile LogConfig config;
    private volatile LogOffsetMetadata logEnd;
    private volatile long logStartOffset;
    private volatile long recoveryPoint;
    private volatile long highWatermark = -1;
    private boolean closed;

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config, LogOptions options) throws IOException {
        this.topicPartition = tp;
        this.dir = dir;
        this.config = config;
        this.options = options;
        this.time = options.time();
        LogLoader.LoadedLog loaded = LogLoader.load(dir, tp, config, options);
        this.segments = loaded.segments();
        this.logStartOffset = loaded.logStartOffset();
        this.recoveryPoint = loaded.recoveryPoint();
        LogSegment active = segments.lastEntry().getValue();
        this.logEnd = new LogOffsetMetadata(loaded.logEndOffset(), active.baseOffset(), active.size());
    }

    /** Opens (recovering from scratch) or creates the log in {@code dir}. */
    public static PartitionLog open(Path dir, TopicPartition tp, LogConfig config) {
        return open(dir, tp, config, LogOptions.defaults());
    }

    public static PartitionLog open(Path dir, TopicPartition tp, LogConfig config, LogOptions options) {
        try {
            return new PartitionLog(tp, dir, config, options);
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

    public synchronized void updateConfig(LogConfig config) {
        this.config = config;
    }

    /**
     * Validates the batches (magic v2, CRC, size, keys on compacted topics), assigns offsets and, for
     * LogAppendTime topics, stamps the broker time; then appends, rolling first if the active segment
     * is full or old. Nothing is written if any batch is invalid.
     */
    public synchronized AppendResult append(MemoryRecords batches, int leaderEpoch) {
        ensureOpen();
        long now = time.milliseconds();
        LogValidator.Validated v = LogValidator.validateAndAssignOffsets(topicPartition, batches, logEnd.offset(),
                leaderEpoch, config, now);
        LogSegment segment = maybeRoll(batches.sizeInBytes(), v.maxTimestamp(), v.lastOffset(), now);
        try {
            segment.append(batches);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot append to " + topicPartition + " in " + dir, e);
        }
        logEnd = new LogOffsetMetadata(v.lastOffset() + 1, segment.baseOffset(), segment.size());
        if (logEnd.offset() - recoveryPoint >= config.flushIntervalMessages()) {
            flush();
        }
        return new AppendResult(v.firstOffset(), v.lastOffset(), config.logAppendTime() ? now : -1, logStartOffset);
    }

    private LogSegment maybeRoll(int incomingBytes, long incomingMaxTimestamp, long lastOffset, long now) {
        LogSegment active = activeSegment();
        if (active.size() == 0) {
            return active;
        }
        boolean full = (long) active.size() + incomingBytes > config.segmentBytes();
        boolean old = active.timeWaitedForRoll(now, incomingMaxTimestamp) > config.segmentMs();
        boolean offsetsOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || offsetsOverflow || active.indexesFull()) {
            log.debug("Rolling {} at offset {} (full={}, old={}, offsets={}, indexes={})", topicPartition,
                    logEnd.offset(), full, old, offsetsOverflow, active.indexesFull());
            return roll();
        }
        return active;
    }

    /** Starts a new active segment at the log end offset (a no-op when the active segment is empty). */
    synchronized LogSegment roll() {
        LogSegment active = activeSegment();
        long newBase = logEnd.offset();
        if (active.baseOffset() == newBase) {
            return active;
        }
        active.onBecomeInactive();
        LogSegment fresh = LogSegment.create(dir, newBase, config, time.milliseconds(), "");
        segments.put(newBase, fresh);
        logEnd = new LogOffsetMetadata(newBase, newBase, 0);
        return fresh;
    }

    /**
     * Reads up to {@code maxBytes} from {@code fetchOffset}, as a slice of one segment; with
     * {@code minOneBatch} the first batch is returned whole even when it is larger than
     * {@code maxBytes}, so a consumer can always make progress.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch) {
        LogOffsetMetadata end = logEnd;
        long start = logStartOffset;
        long hw = highWatermark();
        if (fetchOffset < start || fetchOffset > end.offset()) {
            throw new OffsetOutOfRangeException("Offset " + fetchOffset + " is out of range for " + topicPartition
                    + " [" + start + ", " + end.offset() + "]");
        }
        if (fetchOffset < end.offset()) {
            Map.Entry<Long, LogSegment> entry = segments.floorEntry(fetchOffset);
            if (entry == null) {
                entry = segments.firstEntry();
            }
            while (entry != null && entry.getKey() <= end.segmentBaseOffset()) {
                LogSegment segment = entry.getValue();
                int maxPosition = segment.baseOffset() == end.segmentBaseOffset() ? end.position() : segment.size();
                FileRecords slice = segment.read(fetchOffset, maxBytes, maxPosition, minOneBatch);
                if (slice != null) {
                    return new ReadResult(slice, hw, start, end.offset());
                }
                // Compaction can leave a segment without any batch at or after the offset.
                entry = segments.higherEntry(entry.getKey());
            }
        }
        return new ReadResult(MemoryRecords.EMPTY, hw, start, end.offset());
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEnd.offset();
    }

    /** Offset below which everything is known to be on disk. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /**
     * The high watermark: the log end offset until replication sets one with
     * {@link #updateHighWatermark(long)}; never above the log end offset.
     */
    public long highWatermark() {
        long hw = highWatermark;
        long end = logEnd.offset();
        return hw < 0 ? end : Math.min(hw, end);
    }

    /** Offsets below this are not part of any open transaction; equals the high watermark until transactions exist. */
    public long lastStableOffset() {
        return highWatermark();
    }

    /** Sets the high watermark (clamped to [log start, log end]); from now on it no longer follows the log end. */
    public synchronized long updateHighWatermark(long offset) {
        highWatermark = Math.max(logStartOffset, Math.min(offset, logEnd.offset()));
        return highWatermark;
    }

    /** Bytes in all segments. */
    public long size() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }

    /** The first offset whose timestamp is at or after {@code timestamp}, if any (ListOffsets by time). */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        long start = logStartOffset;
        long end = logEnd.offset();
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() >= timestamp) {
                Optional<TimestampAndOffset> found = segment.findOffsetByTimestamp(timestamp, start);
                if (found.isPresent()) {
                    return found.filter(t -> t.offset < end);
                }
            }
        }
        return Optional.empty();
    }

    /** The first record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP). */
    public Optional<TimestampAndOffset> offsetForMaxTimestamp() {
        LogSegment best = null;
        long max = RecordBatch.NO_TIMESTAMP;
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() > max) {
                max = segment.maxTimestampSoFar();
                best = segment;
            }
        }
        long start = logStartOffset;
        return best == null ? Optional.empty() : best.offsetOfMaxTimestamp().filter(t -> t.offset >= start);
    }

    /**
     * Moves the log start offset forward (DeleteRecords); returns the new log start offset. Segments
     * wholly below it go at the next {@link #deleteOldSegments()}.
     */
    public synchronized long deleteRecordsBefore(long offset) {
        long hw = highWatermark();
        if (offset > hw) {
            throw new OffsetOutOfRangeException("Cannot delete records before " + offset + " in " + topicPartition
                    + ": the high watermark is " + hw);
        }
        logStartOffset = Math.max(logStartOffset, offset);
        return logStartOffset;
    }

    /**
     * Retention: deletes the oldest segments while they are wholly below the log start offset or, with
     * {@code cleanup.policy=delete}, older than {@code retention.ms} (by their largest timestamp) or
     * pushing the log over {@code retention.bytes}. The active segment is never deleted. Moves the log
     * start offset up to the new first segment.
     *
     * @return how many segments were deleted
     */
    public synchronized int deleteOldSegments() {
        if (closed) {
            return 0;
        }
        LogConfig cfg = config;
        long now = time.milliseconds();
        long excessBytes = cfg.delete() && cfg.retentionBytes() >= 0 ? size() - cfg.retentionBytes() : -1;
        List<LogSegment> candidates = new ArrayList<>(segments.values());
        List<LogSegment> doomed = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < candidates.size() - 1; i++) {
            LogSegment segment = candidates.get(i);
            long nextBase = candidates.get(i + 1).baseOffset();
            String reason = null;
            if (nextBase <= logStartOffset) {
                reason = "below log start offset " + logStartOffset;
            } else if (cfg.delete() && cfg.retentionMs() >= 0 && now - segment.largestTimestamp() > cfg.retentionMs()) {
                reason = "older than retention.ms " + cfg.retentionMs();
            } else if (excessBytes - segment.size() >= 0) {
                reason = "log over retention.bytes " + cfg.retentionBytes();
            }
            if (reason == null) {
                break;
            }
            excessBytes -= segment.size();
            doomed.add(segment);
            reasons.add(reason);
        }
        for (int i = 0; i < doomed.size(); i++) {
            LogSegment segment = doomed.get(i);
            log.info("Deleting segment {} of {} ({} bytes): {}", segment.baseOffset(), topicPartition,
                    segment.size(), reasons.get(i));
            removeSegment(segment);
        }
        if (!doomed.isEmpty()) {
            logStartOffset = Math.max(logStartOffset, segments.firstKey());
            recoveryPoint = Math.max(recoveryPoint, logStartOffset);
        }
        return doomed.size();
    }

    private void removeSegment(LogSegment segment) {
        segments.remove(segment.baseOffset());
        try {
            segment.changeSuffix("", LogSegment.DELETED);
        } catch (IOException e) {
            log.warn("Cannot rename segment {} of {} for deletion; deleting it now", segment.baseOffset(),
                    topicPartition, e);
        }
        options.deferredDelete().accept(segment::closeAndDelete);
    }

    /** Fsyncs every segment from the recovery point's to the log end, then advances the recovery point. */
    public void flush() {
        long upTo;
        List<LogSegment> dirty;
        synchronized (this) {
            if (closed) {
                return;
            }
            upTo = logEnd.offset();
            Long from = segments.floorKey(recoveryPoint);
            dirty = new ArrayList<>((from == null ? segments : segments.tailMap(from, true)).values());
        }
        for (LogSegment segment : dirty) {
            try {
                segment.flush();
            } catch (IOException e) {
                if (segments.get(segment.baseOffset()) == segment) {
                    throw new KafkaStorageException("Cannot flush " + topicPartition + " in " + dir, e);
                }
                // Deleted or replaced meanwhile: nothing of it needs to be durable any more.
            }
        }
        synchronized (this) {
            recoveryPoint = Math.max(recoveryPoint, upTo);
        }
    }

    // The cleaner's view of the log.

    Time time() {
        return time;
    }

    List<LogSegment> segmentsSnapshot() {
        return new ArrayList<>(segments.values());
    }

    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    /**
     * Puts a cleaned segment (files with the {@code .cleaned} suffix, flushed) in place of the segment
     * with the same base offset. The rename of the cleaned .log to {@code .swap} is the commit point:
     * recovery completes a swap it finds and discards {@code .cleaned} files.
     *
     * @return false, and the cleaned files are deleted, when the old segment is no longer in the log
     */
    synchronized boolean replaceSegment(LogSegment old, LogSegment cleaned) throws IOException {
        if (closed || segments.get(old.baseOffset()) != old || old == activeSegment()) {
            cleaned.closeAndDelete();
            return false;
        }
        cleaned.changeSuffix(LogSegment.CLEANED, LogSegment.SWAP);
        Utils.flushDir(dir);
        old.changeSuffix("", LogSegment.DELETED);
        cleaned.changeSuffix(LogSegment.SWAP, "");
        Utils.flushDir(dir);
        segments.put(cleaned.baseOffset(), cleaned);
        options.deferredDelete().accept(old::closeAndDelete);
        return true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new KafkaStorageException("Log " + topicPartition + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
    }
}
