package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.util.Map;
import java.util.OptionalLong;

/**
 * What the cleaner keeps of each batch, as Kafka decides it ({@code Cleaner.cleanInto}'s filter), given to
 * kafka-clients' {@code MemoryRecords.filterTo}, which copies untouched batches byte for byte and
 * re-encodes the others with their original offsets:
 * <ul>
 *   <li>a record is kept if no later offset of its key is in the offset map (records past what the map
 *       covers are all kept); a record without a key is dropped;</li>
 *   <li>a tombstone (null value) is kept until its batch's delete horizon, which {@code filterTo} stamps
 *       as now + {@code delete.retention.ms} the first time it keeps it;</li>
 *   <li>the records of an aborted transaction are dropped;</li>
 *   <li>a commit or abort marker is kept while data of its transaction remains; after that it gets a
 *       delete horizon like a tombstone and goes when it passed;</li>
 *   <li>each live producer's last batch stays, emptied if need be, so the sequence number and epoch
 *       that de-duplicate its next write survive (the producer state is rebuilt from the log).</li>
 * </ul>
 */
final class CompactionFilter extends RecordFilter {
    private final SkimpyOffsetMap map;
    private final CleanedTransactionMetadata transactions;
    private final Map<Long, Cleaner.LastBatch> lastBatches;
    private boolean discardBatchRecords;
    /** Earliest delete horizon of a tombstone or marker kept: when the next cleaning can remove something. */
    long nextDeleteHorizonMs = Long.MAX_VALUE;

    CompactionFilter(long now, long deleteRetentionMs, SkimpyOffsetMap map, CleanedTransactionMetadata transactions,
                     Map<Long, Cleaner.LastBatch> lastBatches) {
        super(now, deleteRetentionMs);
        this.map = map;
        this.transactions = transactions;
        this.lastBatches = lastBatches;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        boolean canDiscardBatch = batch.isControlBatch() ? transactions.onControlBatchRead(batch)
                : transactions.onBatchRead(batch);
        if (batch.isControlBatch()) {
            OptionalLong horizon = batch.deleteHorizonMs();
            discardBatchRecords = canDiscardBatch && horizon.isPresent() && horizon.getAsLong() <= currentTime;
            if (canDiscardBatch && !discardBatchRecords) {
                noteHorizon(horizon);
            }
        } else {
            discardBatchRecords = canDiscardBatch;
        }
        BatchRetention retention;
        if (batch.hasProducerId() && isLastBatchOfProducer(batch)) {
            retention = BatchRetention.RETAIN_EMPTY;
        } else if (discardBatchRecords) {
            retention = BatchRetention.DELETE;
        } else {
            retention = BatchRetention.DELETE_EMPTY;
        }
        return new BatchRetentionResult(retention, canDiscardBatch && batch.isControlBatch());
    }

    private boolean isLastBatchOfProducer(RecordBatch batch) {
        Cleaner.LastBatch last = lastBatches.get(batch.producerId());
        if (last == null) {
            return false;
        }
        if (last.lastDataOffset() >= 0) {
            return last.lastDataOffset() == batch.lastOffset();
        }
        return batch.isControlBatch() && last.epoch() == batch.producerEpoch();
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (discardBatchRecords) {
            return false;
        }
        if (batch.isControlBatch()) {
            return true;
        }
        if (record.offset() > map.latestOffset()) {
            return true;
        }
        if (!record.hasKey()) {
            return false;
        }
        if (record.offset() < map.get(record.key())) {
            return false;
        }
        if (record.hasValue()) {
            return true;
        }
        OptionalLong horizon = batch.deleteHorizonMs();
        if (horizon.isPresent() && currentTime >= horizon.getAsLong()) {
            return false;
        }
        noteHorizon(horizon);
        return true;
    }

    private void noteHorizon(OptionalLong horizon) {
        long expiry = horizon.isPresent() ? horizon.getAsLong() : currentTime + deleteRetentionMs;
        nextDeleteHorizonMs = Math.min(nextDeleteHorizonMs, expiry);
    }
}
