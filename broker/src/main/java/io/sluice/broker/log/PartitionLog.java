package io.sluice.broker.log;

import io.sluice.transactions.producer.CompletedTxn;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * The log of one partition: a directory {@code <topic>-<partition>/} of {@link LogSegment}s, record
 * batches stored as producers sent them (rebuilt only when the topic's {@code compression.type} names another
 * codec, see {@link LogValidator}), offsets assigned here.
 *
 * <p>Invariants: segments are keyed by base offset and cover increasing, non-overlapping offset
 * ranges; only the last (active) segment is appended to; {@code logStartOffset <= highWatermark <=
 * logEndOffset}; everything below the recovery point has been fsynced.
 *
 * <p>Concurrency: mutations (append, roll, retention, segment swaps, config) are serialised on this
 * object; reads take no lock. A read captures the log end ({@link LogOffsetMetadata}) first and never
 * looks past it, so it never sees a half-appended batch. Removed segments are renamed to
 * {@code .deleted} and their files closed {@code file.delete.delay.ms} later through
 * {@link LogOptions#deferredDelete()}, so a
 * slice handed to the network layer stays readable while it is being sent.
 *
 * <p>Idempotent producers (KIP-98): batches with a producer id go through the partition's producer
 * state ({@link ProducerStateManager}) before they are written. A retry of one of a producer's last
 * five batches writes nothing and is answered with the original offsets; a sequence gap, a stale
 * epoch or a non-transactional write inside an open transaction is refused. The state is snapshotted
 * to {@code <offset>.snapshot} at every roll (at the new segment's base offset) and at close (at the
 * log end), and rebuilt on open from the newest snapshot plus the batches after it.
 *
 * <p>Transactions (KIP-98): the last stable offset is the first offset of the oldest open transaction,
 * bounded by the high watermark; {@code read_committed} reads ({@link FetchIsolation#TXN_COMMITTED})
 * stop there and carry the aborted transactions from the segments' {@code .txnindex} files, which are
 * written as abort markers are appended and rebuilt with the producer state on recovery. Listeners
 * registered with {@link #addAppendListener} hear of every append, markers included, so that
 * long-polling fetches waiting for the last stable offset to move wake up.
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
    private volatile ProducerStateManager producerState;
    private final LeaderEpochFileCache epochs;
    private volatile LogConfig config;
    private volatile LogOffsetMetadata logEnd;
    private volatile long logStartOffset;
    private volatile long recoveryPoint;
    private volatile long highWatermark = -1;
    /** {@code segment.jitter.ms}: drawn for each active segment, subtracted from {@code segment.ms}. */
    private volatile long rollJitterMs;
    private volatile long lastFlushTime;
    private final Set<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArraySet<>();
    private boolean closed;
    /** Counts truncations (under the lock), so a flush that raced one does not raise the recovery point. */
    private long truncations;

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
        this.epochs = loadEpochs(dir, segments, loaded.logEndOffset());
        this.rollJitterMs = randomRollJitter(config);
        this.lastFlushTime = time.milliseconds();
        try {
            this.producerState = ProducerStateManager.load(tp, dir, segments, loaded.logEndOffset(),
                    loaded.txnIndexesToRebuild(), time.milliseconds(), options.producerIdExpirationMs());
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
            throw e;
        }
    }

    /** The checkpointed epochs, or (no checkpoint yet) the epochs found in the batch headers. */
    private static LeaderEpochFileCache loadEpochs(Path dir, ConcurrentSkipListMap<Long, LogSegment> segments,
                                                   long logEndOffset) {
        LeaderEpochFileCache cache = LeaderEpochFileCache.load(dir);
        boolean changed = false;
        if (cache == null) {
            cache = LeaderEpochFileCache.empty(dir);
            for (LogSegment segment : segments.values()) {
                for (RecordBatch batch : segment.log().batches()) {
                    changed |= cache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
            }
        }
        changed |= cache.truncateFromEnd(logEndOffset);
        if (changed) {
            cache.flush();
        }
        return cache;
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
     * LogAppendTime topics, stamps the broker time; checks producer ids, epochs and sequences; then
     * appends, rolling first if the active segment is full or old. Nothing is written if any batch is
     * invalid, or if a batch is a producer's retry of a written one: then the result carries the
     * original offsets and {@link AppendResult#duplicate()}.
     *
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   sequence gap or reorder
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException epoch older than the producer's
     * @throws org.apache.kafka.common.errors.InvalidTxnStateException      non-transactional write while
     *                                                                      the producer's transaction is open
     */
    public AppendResult append(MemoryRecords batches, int leaderEpoch) {
        AppendResult result;
        synchronized (this) {
            result = appendLocked(batches, leaderEpoch);
        }
        if (!result.duplicate()) {
            flushAndNotify();
        }
        return result;
    }

    /**
     * After an append: {@code flush.messages}, then the listeners. The batch is in the log even when the
     * flush fails, so the listeners (high watermark, parked fetches and acks) run anyway; the failure is
     * thrown after them.
     */
    private void flushAndNotify() {
        try {
            maybeFlush();
        } finally {
            for (Consumer<TopicPartition> listener : appendListeners) {
                try {
                    listener.accept(topicPartition);
                } catch (RuntimeException e) {
                    log.warn("{}: append listener failed", topicPartition, e);
                }
            }
        }
    }

    /**
     * Calls {@code listener} with this partition after every append that wrote something (data or
     * markers), outside the log's lock. Adding a listener that is already registered does nothing.
     */
    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    public void removeAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.remove(listener);
    }

    private AppendResult appendLocked(MemoryRecords request, int leaderEpoch) {
        ensureOpen();
        long now = time.milliseconds();
        LogValidator.Validated v = LogValidator.validateAndAssignOffsets(topicPartition, request, logEnd.offset(),
                leaderEpoch, config, now);
        MemoryRecords batches = v.records();
        Optional<ProducerStateManager.Duplicate> duplicate = producerState.check(batches);
        if (duplicate.isPresent()) {
            ProducerStateManager.Duplicate original = duplicate.get();
            log.debug("{}: duplicate of the batch at offset {}; nothing written", topicPartition,
                    original.firstOffset());
            return new AppendResult(original.firstOffset(), original.lastOffset(),
                    config.logAppendTime() ? original.timestamp() : -1, logStartOffset, true, List.of());
        }
        LogSegment segment = maybeRoll(batches.sizeInBytes(), v.maxTimestamp(), v.lastOffset(), now);
        try {
            segment.append(batches);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot append to " + topicPartition + " in " + dir, e);
        }
        logEnd = new LogOffsetMetadata(v.lastOffset() + 1, segment.baseOffset(), segment.size());
        if (epochs.assign(leaderEpoch, v.firstOffset())) {
            epochs.flush();
        }
        List<CompletedTxn> completed = producerState.recordAppended(batches, segment);
        return new AppendResult(v.firstOffset(), v.lastOffset(), config.logAppendTime() ? now : -1, logStartOffset,
                false, completed);
    }

    /**
     * Appends batches fetched from the partition's leader as they are: offsets, leader epochs and
     * timestamps stay the leader's. Each batch must be magic v2, pass its CRC check and start at or
     * past the log end (compacted logs have gaps); a trailing partial batch (a fetch cut at its byte limit) is ignored. Producer
     * state is updated but not checked: the leader already decided what the log holds.
     *
     * @return the log end offset after the append
     * @throws CorruptRecordException when a batch is invalid or does not continue the log
     */
    public long appendAsFollower(MemoryRecords records) {
        long end;
        synchronized (this) {
            ensureOpen();
            int validBytes = 0;
            long next = logEnd.offset();
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.magic() < RecordBatch.MAGIC_VALUE_V2 || !batch.isValid()) {
                    throw new CorruptRecordException("Replicated batch at offset " + batch.baseOffset() + " of "
                            + topicPartition + " is invalid");
                }
                // A gap is allowed, as in Kafka: compaction removes whole batches, so a compacted leader's (or
                // mirror source's) next batch may start past our log end. Overlap never is.
                if (batch.baseOffset() < next) {
                    throw new CorruptRecordException("Replicated batch of " + topicPartition + " starts at "
                            + batch.baseOffset() + ", below the log end " + next);
                }
                next = batch.nextOffset();
                maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
                validBytes += batch.sizeInBytes();
            }
            if (validBytes == 0) {
                return logEnd.offset();
            }
            MemoryRecords whole = validBytes == records.sizeInBytes() ? records
                    : MemoryRecords.readableRecords(sliced(records.buffer(), validBytes));
            long now = time.milliseconds();
            LogSegment segment = maybeRoll(validBytes, maxTimestamp, next - 1, now);
            try {
                segment.append(whole);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot append to " + topicPartition + " in " + dir, e);
            }
            logEnd = new LogOffsetMetadata(next, segment.baseOffset(), segment.size());
            boolean newEpoch = false;
            for (MutableRecordBatch batch : whole.batches()) {
                newEpoch |= epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
            if (newEpoch) {
                epochs.flush();
            }
            producerState.recordAppended(whole, segment);
            end = next;
        }
        flushAndNotify();
        return end;
    }

    private static java.nio.ByteBuffer sliced(java.nio.ByteBuffer buffer, int bytes) {
        java.nio.ByteBuffer copy = buffer.duplicate();
        copy.limit(copy.position() + bytes);
        return copy.slice();
    }

    /**
     * Removes everything at and above {@code offset} (a follower discarding what its new leader does not
     * have): later segments go, the segment holding the offset is cut at the start of the batch holding
     * it and its indexes rebuilt, and producer state is reloaded from the snapshots at or below the new
     * log end. The high watermark and recovery point come down with the log end.
     *
     * @return the new log end offset (below {@code offset} when the offset fell inside a batch)
     */
    public synchronized long truncateTo(long offset) {
        ensureOpen();
        if (offset >= logEnd.offset()) {
            return logEnd.offset();
        }
        long target = Math.max(offset, logStartOffset);
        while (segments.size() > 1 && segments.lastKey() >= target) {
            removeSegment(segments.lastEntry().getValue());
        }
        LogSegment last = activeSegment();
        try {
            last.truncateTo(target);
            last.makeActive();
            long end = Math.max(last.readNextOffset(), last.baseOffset());
            logEnd = new LogOffsetMetadata(end, last.baseOffset(), last.size());
            recoveryPoint = Math.min(recoveryPoint, end);
            truncations++;
            if (epochs.truncateFromEnd(end)) {
                epochs.flush();
            }
            if (highWatermark > end) {
                highWatermark = end;
            }
            producerState = ProducerStateManager.load(topicPartition, dir, segments, end, Set.of(last.baseOffset()),
                    time.milliseconds(), options.producerIdExpirationMs());
            log.info("Truncated {} to offset {} (asked for {})", topicPartition, end, offset);
            return end;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot truncate " + topicPartition + " in " + dir, e);
        }
    }

    /**
     * Discards the whole log and starts it over, empty, at {@code newStart}: for a follower whose log
     * ends below its leader's log start offset, which can neither truncate nor fetch its way back.
     * Producer state and leader epochs go with the records (the fetched batches bring them back).
     */
    public synchronized void truncateFullyAndStartAt(long newStart) {
        ensureOpen();
        try {
            for (LogSegment segment : new ArrayList<>(segments.values())) {
                removeSegment(segment);
            }
            LogSegment fresh = LogSegment.create(dir, newStart, config, time.milliseconds(), "");
            segments.put(newStart, fresh);
            logStartOffset = newStart;
            logEnd = new LogOffsetMetadata(newStart, newStart, 0);
            recoveryPoint = newStart;
            truncations++;
            highWatermark = newStart;
            if (epochs.truncateFromEnd(0)) {
                epochs.flush();
            }
            io.sluice.transactions.producer.ProducerSnapshotFiles.deleteAbove(dir, -1);
            producerState = ProducerStateManager.load(topicPartition, dir, segments, newStart, Set.of(),
                    time.milliseconds(), options.producerIdExpirationMs());
            log.info("Emptied {} and started it over at offset {}", topicPartition, newStart);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot restart " + topicPartition + " at " + newStart + " in " + dir, e);
        }
    }

    /** The newest leader epoch in this log (-1 when no batch carries one). */
    public int latestEpoch() {
        return epochs.latestEpoch();
    }

    /**
     * The leader epoch of the last batch in the log (-1 when there is none): a follower's "last fetched
     * epoch". An epoch a broker assigned on becoming leader but wrote nothing in starts at the log end
     * and so does not count: no replica can disagree about records that do not exist.
     */
    public synchronized int lastBatchEpoch() {
        return epochs.epochBefore(logEnd.offset());
    }

    /**
     * OffsetForLeaderEpoch: the largest epoch at or below {@code epoch} and the offset where the epoch
     * after it begins (the log end offset for the latest epoch); (-1, -1) for an epoch older than any.
     */
    public LeaderEpochFileCache.EpochEndOffset endOffsetForEpoch(int epoch) {
        synchronized (this) {
            return epochs.endOffsetFor(epoch, logEnd.offset());
        }
    }

    /** A broker becoming leader at {@code epoch}: the epoch starts at the current log end. */
    public synchronized void assignEpochAtLogEnd(int epoch) {
        if (epochs.assign(epoch, logEnd.offset())) {
            epochs.flush();
        }
    }

    /** The leader epochs and their start offsets, oldest first (tests and tools). */
    public Map<Integer, Long> leaderEpochs() {
        return epochs.entries();
    }

    /**
     * The partition's idempotent/transactional producer state: for DescribeProducers, the last stable
     * offset ({@link ProducerStateTable#firstUnstableOffset()}) and tests. Callers must not modify it.
     */
    public ProducerStateTable producerState() {
        return producerState.table();
    }

    /** Forgets producers idle for longer than {@code producer.id.expiration.ms}. */
    public void removeExpiredProducers() {
        producerState.removeExpired(time.milliseconds());
    }

    private LogSegment maybeRoll(int incomingBytes, long incomingMaxTimestamp, long lastOffset, long now) {
        LogSegment active = activeSegment();
        if (active.size() == 0) {
            return active;
        }
        boolean full = (long) active.size() + incomingBytes > config.segmentBytes();
        boolean old = active.timeWaitedForRoll(now, incomingMaxTimestamp) > config.segmentMs() - rollJitterMs;
        boolean offsetsOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || offsetsOverflow || active.indexesFull()) {
            log.debug("Rolling {} at offset {} (full={}, old={}, offsets={}, indexes={})", topicPartition,
                    logEnd.offset(), full, old, offsetsOverflow, active.indexesFull());
            return roll();
        }
        return active;
    }

    /** As Kafka: uniform in [0, min(segment.jitter.ms, segment.ms)), so that logs created together do not roll together. */
    private static long randomRollJitter(LogConfig config) {
        long max = Math.min(config.segmentJitterMs(), config.segmentMs());
        return max <= 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(max);
    }

    /** The jitter subtracted from {@code segment.ms} for the active segment (tests). */
    long rollJitterMs() {
        return rollJitterMs;
    }

    /** When the log was last fsynced (or opened): {@code flush.ms} counts from here. */
    public long lastFlushTime() {
        return lastFlushTime;
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
        rollJitterMs = randomRollJitter(config);
        logEnd = new LogOffsetMetadata(newBase, newBase, 0);
        // Every batch below newBase has been recorded, none above: the snapshot lets recovery replay
        // from here instead of from the start of the log.
        producerState.takeSnapshot(newBase);
        return fresh;
    }

    /** Reads up to the log end; see {@link #read(long, int, boolean, FetchIsolation)}. */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch) {
        return read(fetchOffset, maxBytes, minOneBatch, FetchIsolation.LOG_END);
    }

    /**
     * Reads up to {@code maxBytes} from {@code fetchOffset}, as a slice of one segment, never reaching
     * the batch that holds the isolation's bound (log end, high watermark or last stable offset); with
     * {@code minOneBatch} the first batch is returned whole even when it is larger than
     * {@code maxBytes}, so a consumer can always make progress. A fetch offset between the bound and
     * the log end reads nothing.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch, FetchIsolation isolation) {
        LogOffsetMetadata end = logEnd;
        long start = logStartOffset;
        long hw = highWatermark(end);
        long lso = lastStableOffset(hw, start);
        if (fetchOffset < start || fetchOffset > end.offset()) {
            throw new OffsetOutOfRangeException("Offset " + fetchOffset + " is out of range for " + topicPartition
                    + " [" + start + ", " + end.offset() + "]");
        }
        long maxOffset = switch (isolation) {
            case LOG_END -> end.offset();
            case HIGH_WATERMARK -> hw;
            case TXN_COMMITTED -> lso;
        };
        if (fetchOffset < maxOffset) {
            LogOffsetMetadata bound = positionOf(maxOffset, end);
            Map.Entry<Long, LogSegment> entry = segments.floorEntry(fetchOffset);
            if (entry == null) {
                entry = segments.firstEntry();
            }
            while (entry != null && entry.getKey() <= bound.segmentBaseOffset()) {
                LogSegment segment = entry.getValue();
                int maxPosition = segment.baseOffset() == bound.segmentBaseOffset() ? bound.position() : segment.size();
                LogSegment.Slice slice = segment.read(fetchOffset, maxBytes, maxPosition, minOneBatch);
                if (slice != null) {
                    List<AbortedTxn> aborted = null;
                    if (isolation == FetchIsolation.TXN_COMMITTED) {
                        long upperBound = segment.fetchUpperBoundOffset(slice.position(), slice.records().sizeInBytes())
                                .orElseGet(() -> {
                                    Long next = segments.higherKey(segment.baseOffset());
                                    return next == null ? end.offset() : next;
                                });
                        aborted = abortedTransactions(fetchOffset, Math.min(upperBound, maxOffset));
                    }
                    return new ReadResult(slice.records(), hw, lso, start, end.offset(), aborted);
                }
                // Compaction can leave a segment without any batch at or after the offset.
                entry = segments.higherEntry(entry.getKey());
            }
        }
        return new ReadResult(MemoryRecords.EMPTY, hw, lso, start, end.offset(),
                isolation == FetchIsolation.TXN_COMMITTED ? List.of() : null);
    }

    /** Where {@code offset} (at most the log end) falls: the start of the batch holding it. */
    private LogOffsetMetadata positionOf(long offset, LogOffsetMetadata end) {
        if (offset >= end.offset()) {
            return end;
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        LogSegment segment = entry.getValue();
        LogOffsetPosition found = segment.translateOffset(offset);
        int position = found == null ? segment.size() : found.position;
        if (segment.baseOffset() == end.segmentBaseOffset()) {
            position = Math.min(position, end.position());
        }
        return new LogOffsetMetadata(offset, segment.baseOffset(), position);
    }

    /**
     * The aborted transactions overlapping {@code [fetchOffset, upperBoundOffset)} (Kafka's
     * {@code collectAbortedTransactions}): from the {@code .txnindex} of the segment holding
     * {@code fetchOffset} onwards, until an index entry shows that later aborts started at or above
     * {@code upperBoundOffset}. Oldest marker first.
     */
    List<AbortedTxn> abortedTransactions(long fetchOffset, long upperBoundOffset) {
        List<AbortedTxn> found = new ArrayList<>();
        Long floor = segments.floorKey(fetchOffset);
        for (LogSegment segment : (floor == null ? segments : segments.tailMap(floor, true)).values()) {
            TransactionIndex.SearchResult result = segment.txnIndex().collectAbortedTxns(fetchOffset, upperBoundOffset);
            found.addAll(result.abortedTxns());
            if (result.complete()) {
                break;
            }
        }
        return found;
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
        return highWatermark(logEnd);
    }

    private long highWatermark(LogOffsetMetadata end) {
        long hw = highWatermark;
        return hw < 0 ? end.offset() : Math.min(hw, end.offset());
    }

    /**
     * The last stable offset: the first offset of the oldest open transaction, or the high watermark if
     * that is lower (never below the log start offset). Everything below it is committed, aborted or
     * non-transactional; {@code read_committed} consumers see nothing at or above it.
     */
    public long lastStableOffset() {
        return lastStableOffset(highWatermark(), logStartOffset);
    }

    private long lastStableOffset(long hw, long start) {
        OptionalLong firstUnstable = producerState.table().firstUnstableOffset();
        return firstUnstable.isPresent() ? Math.min(hw, Math.max(firstUnstable.getAsLong(), start)) : hw;
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
     * pushing the log over {@code retention.bytes}. The active segment is never deleted, nor a segment
     * reaching past the high watermark. Moves the log
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
        long hw = highWatermark();
        List<LogSegment> candidates = new ArrayList<>(segments.values());
        List<LogSegment> doomed = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < candidates.size() - 1; i++) {
            LogSegment segment = candidates.get(i);
            long nextBase = candidates.get(i + 1).baseOffset();
            if (nextBase > hw) {
                // As in Kafka: what consumers cannot read yet is not deleted.
                break;
            }
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
            // Every roll left a snapshot at a retained segment's base, so nothing newer is lost.
            producerState.deleteSnapshotsBelow(segments.firstKey());
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
        options.deferredDelete().schedule(segment::closeAndDelete, config.fileDeleteDelayMs());
    }

    /**
     * {@code flush.messages}: fsyncs once that many messages are unflushed. Called after an append with
     * the log's lock released, so that other appends and reads do not wait for the disk.
     */
    private void maybeFlush() {
        if (logEnd.offset() - recoveryPoint >= config.flushIntervalMessages()) {
            flush();
        }
    }

    /** Fsyncs every segment from the recovery point's to the log end, then advances the recovery point. */
    public void flush() {
        long upTo;
        long truncationsBefore;
        List<LogSegment> dirty;
        synchronized (this) {
            if (closed) {
                return;
            }
            upTo = logEnd.offset();
            truncationsBefore = truncations;
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
            // A truncation meanwhile removed what was fsynced above its new end and lowered the recovery
            // point; records appended after it may not be durable yet, so the point stays where it put it.
            if (truncations == truncationsBefore) {
                recoveryPoint = Math.max(recoveryPoint, upTo);
            }
        }
        lastFlushTime = time.milliseconds();
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

    /** Base offset of the segment after the one at {@code baseOffset}, or the log end offset. */
    long nextSegmentBase(long baseOffset) {
        Long next = segments.higherKey(baseOffset);
        return next == null ? logEnd.offset() : next;
    }

    /** Every producer's state, for the cleaner to keep each one's last batch. */
    List<io.sluice.transactions.producer.ProducerState> producerStates() {
        return producerState.table().state();
    }

    /**
     * Puts a cleaned segment (files with the {@code .cleaned} suffix, flushed) in place of the consecutive
     * segments it was made from, the first of which has its base offset. Crash-safe at every step:
     * <ol>
     *   <li>the cleaned files are renamed to {@code .swap}, the {@code .log} last: that rename commits the
     *       swap, and recovery ({@link LogLoader}) completes a swap it finds and discards {@code .cleaned}
     *       files;</li>
     *   <li>the old segments are renamed to {@code .deleted} (their files go later, once in-flight reads are
     *       done);</li>
     *   <li>the {@code .swap} files lose their suffix.</li>
     * </ol>
     *
     * @return false, and the cleaned files are deleted, when an old segment is no longer in the log (retention
     *         or truncation removed it meanwhile) or the log was closed
     */
    synchronized boolean replaceSegments(List<LogSegment> olds, LogSegment cleaned) throws IOException {
        LogSegment active = activeSegment();
        boolean intact = !closed && !olds.isEmpty() && olds.get(0).baseOffset() == cleaned.baseOffset();
        for (LogSegment old : olds) {
            intact &= segments.get(old.baseOffset()) == old && old != active;
        }
        if (!intact) {
            cleaned.closeAndDelete();
            return false;
        }
        cleaned.changeSuffix(LogSegment.CLEANED, LogSegment.SWAP);
        Utils.flushDir(dir);
        for (LogSegment old : olds) {
            old.changeSuffix("", LogSegment.DELETED);
        }
        cleaned.changeSuffix(LogSegment.SWAP, "");
        Utils.flushDir(dir);
        segments.put(cleaned.baseOffset(), cleaned);
        for (LogSegment old : olds.subList(1, olds.size())) {
            segments.remove(old.baseOffset());
        }
        for (LogSegment old : olds) {
            options.deferredDelete().schedule(old::closeAndDelete, config.fileDeleteDelayMs());
        }
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
        producerState.takeSnapshot(logEnd.offset());
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
    }
}
