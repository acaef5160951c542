package io.sluice.broker.log;

import io.sluice.transactions.producer.AppendVerdict;
import io.sluice.transactions.producer.BatchMetadata;
import io.sluice.transactions.producer.CompletedTxn;
import io.sluice.transactions.producer.ProducerSnapshotFiles;
import io.sluice.transactions.producer.ProducerStateSnapshot;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;

/**
 * The broker side of a partition's idempotent/transactional producer state: puts a log's batches
 * through {@link ProducerStateTable}, and keeps the table's {@code <offset>.snapshot} files beside the
 * segments.
 *
 * <p>Invariants: every snapshot file on disk was taken at an offset no greater than the log end, and
 * describes exactly the batches below its offset (snapshots above a recovery truncation point are
 * deleted before the table is loaded, and before anything new is appended). After {@link #load} the
 * table equals the table an uninterrupted run would have built, apart from producers expired since.
 *
 * <p>Aborted transactions go to the {@code .txnindex} of the segment holding their abort marker, with
 * the last stable offset right after the marker (the oldest other open transaction's first offset, or
 * the offset after the marker). Appends index them as they are recorded; {@link #load} re-indexes the
 * segments recovery rebuilt, replaying their markers with the producer state at their start.
 *
 * <p>Not thread-safe on its own: the owning {@link PartitionLog} calls {@link #check} and
 * {@link #recordAppended} under its lock. The table itself is safe to read from any thread.
 */
final class ProducerStateManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);

    /** Kafka's {@code producer.id.expiration.ms} default: one day. */
    static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000L;

    /** What a retried batch is answered with: the offsets (and stored timestamp) it got the first time. */
    record Duplicate(long firstOffset, long lastOffset, long timestamp) {
    }

    private final TopicPartition topicPartition;
    private final Path dir;
    private final long producerIdExpirationMs;
    private final ProducerStateTable table = new ProducerStateTable();

    private ProducerStateManager(TopicPartition topicPartition, Path dir, long producerIdExpirationMs) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.producerIdExpirationMs = producerIdExpirationMs;
    }

    /**
     * Rebuilds the table for a freshly loaded (and, if need be, recovered) log: drops snapshots above
     * the log end (recovery truncated what they describe), loads the newest readable snapshot (a corrupt
     * one is deleted and an older one tried), then replays the producer batches from its offset to the
     * log end. Without any snapshot the whole log is replayed.
     *
     * <p>The transaction indexes of the segments in {@code rebuildTxnIndexes} (base offsets of segments
     * whose indexes recovery emptied) are refilled during the replay; the snapshot is then taken at or
     * below the first of them, so that the replay sees every marker in them with the producer state
     * that preceded it.
     */
    static ProducerStateManager load(TopicPartition tp, Path dir, NavigableMap<Long, LogSegment> segments,
                                     long logEndOffset, Set<Long> rebuildTxnIndexes, long now,
                                     long producerIdExpirationMs) throws IOException {
        ProducerStateManager manager = new ProducerStateManager(tp, dir, producerIdExpirationMs);
        ProducerSnapshotFiles.deleteStrayTempFiles(dir);
        int stale = ProducerSnapshotFiles.deleteAbove(dir, logEndOffset);
        if (stale > 0) {
            log.warn("Log {}: deleted {} producer snapshot(s) above the log end offset {}", tp, stale, logEndOffset);
        }
        List<Long> before = ProducerSnapshotFiles.list(dir);
        long replayNoLaterThan = rebuildTxnIndexes.isEmpty() ? logEndOffset
                : Math.min(logEndOffset, Collections.min(rebuildTxnIndexes));
        Optional<ProducerStateSnapshot> snapshot = ProducerSnapshotFiles.loadLatest(dir, replayNoLaterThan);
        List<Long> after = ProducerSnapshotFiles.list(dir);
        if (after.size() < before.size()) {
            log.warn("Log {}: deleted {} corrupt producer snapshot(s)", tp, before.size() - after.size());
        }
        long from = segments.isEmpty() ? logEndOffset : segments.firstKey();
        if (snapshot.isPresent()) {
            manager.table.reloadFrom(snapshot.get());
            from = Math.max(from, snapshot.get().offset());
        }
        int replayed = manager.replay(segments, from, rebuildTxnIndexes);
        manager.table.removeExpired(now, producerIdExpirationMs);
        if (snapshot.isPresent() || replayed > 0) {
            log.info("Log {}: producer state from {} plus {} replayed batch(es) up to {}: {} producer(s)", tp,
                    snapshot.map(s -> "snapshot " + s.offset()).orElse("the log start"), replayed, logEndOffset,
                    manager.table.producerCount());
        }
        return manager;
    }

    ProducerStateTable table() {
        return table;
    }

    /**
     * Checks every producer batch of a produce request before anything is written.
     *
     * <p>A request normally holds one batch per partition. When it holds several batches of one
     * producer, the later ones are checked against the earlier ones (same epoch, next sequence), since
     * the table only learns of a batch once it is written.
     *
     * @return the original placement if a batch is a retry of a written one; the whole request is then
     *         answered with it and nothing is written
     * @throws OutOfOrderSequenceException   on a sequence gap, or a new epoch not starting at 0
     * @throws InvalidProducerEpochException on an epoch older than the producer's current one
     * @throws InvalidTxnStateException      on a non-transactional write while a transaction is open
     * @throws TransactionCoordinatorFencedException on a marker from a coordinator older than the one
     *                                       that wrote the producer's last marker here
     */
    Optional<Duplicate> check(MemoryRecords batches) {
        Map<Long, RecordBatch> earlierInRequest = null;
        for (RecordBatch batch : batches.batches()) {
            if (!batch.hasProducerId()) {
                continue;
            }
            long producerId = batch.producerId();
            RecordBatch earlier = earlierInRequest == null ? null : earlierInRequest.get(producerId);
            if (earlier != null) {
                checkFollows(earlier, batch);
            } else {
                AppendVerdict verdict;
                if (batch.isControlBatch()) {
                    Optional<EndTransactionMarker> marker = txnMarker(batch);
                    if (marker.isEmpty()) {
                        // Changes no producer state (see record), so there is nothing to check it against.
                        continue;
                    }
                    verdict = table.checkMarker(producerId, batch.producerEpoch(), marker.get().coordinatorEpoch());
                } else {
                    verdict = table.check(producerId, batch.producerEpoch(), batch.baseSequence(),
                            batch.lastSequence(), batch.isTransactional());
                }
                switch (verdict.outcome()) {
                    case ACCEPT -> { }
                    case DUPLICATE -> {
                        return Optional.of(duplicate(producerId, verdict));
                    }
                    case OUT_OF_ORDER_SEQUENCE -> throw new OutOfOrderSequenceException(reason(verdict));
                    case INVALID_PRODUCER_EPOCH -> throw new InvalidProducerEpochException(reason(verdict));
                    case INVALID_TXN_STATE -> throw new InvalidTxnStateException(reason(verdict));
                    case COORDINATOR_FENCED -> throw new TransactionCoordinatorFencedException(reason(verdict));
                    default -> throw new IllegalStateException("Unknown verdict " + verdict);
                }
            }
            if (earlierInRequest == null) {
                earlierInRequest = new HashMap<>();
            }
            earlierInRequest.put(producerId, batch);
        }
        return Optional.empty();
    }

    private void checkFollows(RecordBatch earlier, RecordBatch batch) {
        if (batch.isControlBatch() || earlier.isControlBatch()) {
            return;
        }
        if (batch.producerEpoch() != earlier.producerEpoch()
                || batch.baseSequence() != earlier.lastSequence() + 1
                        && !(batch.baseSequence() == 0 && earlier.lastSequence() == Integer.MAX_VALUE)) {
            throw new OutOfOrderSequenceException("In " + topicPartition + ", batch of producer "
                    + batch.producerId() + " epoch " + batch.producerEpoch() + " sequence " + batch.baseSequence()
                    + " does not follow epoch " + earlier.producerEpoch() + " sequence " + earlier.lastSequence()
                    + " in the same request");
        }
    }

    private String reason(AppendVerdict verdict) {
        return topicPartition + ": " + verdict.reason();
    }

    private Duplicate duplicate(long producerId, AppendVerdict verdict) {
        long timestamp = table.producer(producerId).stream()
                .flatMap(state -> state.batches().stream())
                .filter(b -> b.firstOffset() == verdict.duplicateFirstOffset())
                .mapToLong(BatchMetadata::timestamp)
                .findFirst()
                .orElse(RecordBatch.NO_TIMESTAMP);
        return new Duplicate(verdict.duplicateFirstOffset(), verdict.duplicateLastOffset(), timestamp);
    }

    /**
     * Records the producer batches of a request that was just written (offsets assigned) to
     * {@code segment}, indexing the transactions its abort markers closed in the segment's
     * {@code .txnindex}.
     *
     * @return the transactions that commit/abort markers in it closed
     */
    List<CompletedTxn> recordAppended(MemoryRecords batches, LogSegment segment) {
        List<CompletedTxn> completed = List.of();
        for (RecordBatch batch : batches.batches()) {
            if (!batch.hasProducerId()) {
                continue;
            }
            Optional<CompletedTxn> closed = record(batch, segment.txnIndex());
            if (closed.isPresent()) {
                if (completed.isEmpty()) {
                    completed = new ArrayList<>();
                }
                completed.add(closed.get());
            }
        }
        return completed;
    }

    /** The commit or abort marker a control batch holds; empty for any other control batch. */
    private static Optional<EndTransactionMarker> txnMarker(RecordBatch batch) {
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) {
            return Optional.empty();
        }
        Record first = records.next();
        ControlRecordType type = ControlRecordType.parse(first.key());
        if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
            return Optional.empty();
        }
        return Optional.of(EndTransactionMarker.deserialize(first));
    }

    /** Records one batch; an abort it completes goes to {@code txnIndex} unless that is null. */
    private Optional<CompletedTxn> record(RecordBatch batch, TransactionIndex txnIndex) {
        if (batch.isControlBatch()) {
            Optional<EndTransactionMarker> found = txnMarker(batch);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            EndTransactionMarker marker = found.get();
            Optional<CompletedTxn> completed = table.recordMarker(batch.producerId(), batch.producerEpoch(),
                    marker.coordinatorEpoch(), batch.baseOffset(), marker.controlType() == ControlRecordType.COMMIT,
                    batch.maxTimestamp());
            if (txnIndex != null && completed.isPresent() && completed.get().aborted()) {
                CompletedTxn txn = completed.get();
                // The table already closed this transaction, so its oldest open one is the LSO Kafka records.
                long lastStable = table.firstUnstableOffset().orElse(txn.lastOffset() + 1);
                txnIndex.append(new AbortedTxn(txn.producerId(), txn.firstOffset(), txn.lastOffset(), lastStable));
            }
            return completed;
        }
        table.recordAppend(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), batch.isTransactional());
        return Optional.empty();
    }

    /**
     * Replays the producer batches from {@code from} to the end of the given segments, indexing aborts in
     * the segments named in {@code rebuildTxnIndexes}; returns how many batches.
     */
    private int replay(NavigableMap<Long, LogSegment> segments, long from, Set<Long> rebuildTxnIndexes) {
        Long floor = segments.floorKey(from);
        NavigableMap<Long, LogSegment> tail = floor == null ? segments : segments.tailMap(floor, true);
        int replayed = 0;
        for (LogSegment segment : tail.values()) {
            LogOffsetPosition start = segment.translateOffset(from);
            if (start == null) {
                continue;
            }
            TransactionIndex txnIndex = rebuildTxnIndexes.contains(segment.baseOffset()) ? segment.txnIndex() : null;
            for (FileChannelRecordBatch batch : segment.log().batchesFrom(start.position)) {
                if (batch.lastOffset() < from || !batch.hasProducerId()) {
                    continue;
                }
                try {
                    record(batch, txnIndex);
                    replayed++;
                } catch (IllegalStateException e) {
                    // Written before a newer epoch was recorded (e.g. a zombie's batch from before an
                    // upgrade that introduced fencing); Kafka only warns when it replays such a batch.
                    log.warn("Log {}: skipped batch at offset {} while rebuilding producer state: {}",
                            topicPartition, batch.baseOffset(), e.getMessage());
                }
            }
        }
        return replayed;
    }

    /**
     * Writes the table as of {@code offset} (the table must cover exactly the batches below it). A
     * failure is logged, not thrown: recovery then falls back to an older snapshot and a longer replay.
     */
    void takeSnapshot(long offset) {
        try {
            ProducerStateSnapshot.write(ProducerSnapshotFiles.path(dir, offset), offset, table);
        } catch (IOException | RuntimeException e) {
            log.warn("Log {}: cannot write producer snapshot at offset {}", topicPartition, offset, e);
        }
    }

    /** Deletes snapshots below {@code offset} (the oldest retained segment's base offset). */
    void deleteSnapshotsBelow(long offset) {
        try {
            ProducerSnapshotFiles.deleteBelow(dir, offset);
        } catch (IOException e) {
            log.warn("Log {}: cannot delete producer snapshots below {}", topicPartition, offset, e);
        }
    }

    /** Forgets producers idle for {@code producer.id.expiration.ms}. */
    void removeExpired(long now) {
        table.removeExpired(now, producerIdExpirationMs);
    }
}
