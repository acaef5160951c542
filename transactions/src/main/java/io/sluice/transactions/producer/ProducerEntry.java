package io.sluice.transactions.producer;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;

/**
 * Mutable state of one producer inside a {@link ProducerStateTable}; guarded by the table's monitor.
 *
 * <p>Invariant: {@code batches} holds at most {@link ProducerStateTable#RETAINED_BATCHES} batches, oldest
 * first, all written with the current {@code epoch}.
 */
final class ProducerEntry {

    final long producerId;
    short epoch;
    final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(ProducerStateTable.RETAINED_BATCHES);
    long lastTimestamp;
    long txnFirstOffset = -1;
    long txnStartTimestamp = -1;
    long lastMarkerOffset = -1;
    /** Coordinator epoch of the last marker recorded; a marker from an older coordinator is fenced. */
    int coordinatorEpoch = -1;

    ProducerEntry(long producerId, short epoch) {
        this.producerId = producerId;
        this.epoch = epoch;
    }

    static ProducerEntry of(ProducerState state) {
        ProducerEntry entry = new ProducerEntry(state.producerId(), state.epoch());
        entry.batches.addAll(state.batches());
        entry.lastTimestamp = state.lastTimestamp();
        entry.txnFirstOffset = state.currentTxnFirstOffset();
        entry.txnStartTimestamp = state.currentTxnStartTimestamp();
        entry.lastMarkerOffset = state.lastMarkerOffset();
        entry.coordinatorEpoch = state.coordinatorEpoch();
        return entry;
    }

    ProducerState toState() {
        return new ProducerState(producerId, epoch, batches.stream().toList(), lastTimestamp,
                txnFirstOffset, txnStartTimestamp, lastMarkerOffset, coordinatorEpoch);
    }

    boolean hasOpenTransaction() {
        return txnFirstOffset >= 0;
    }

    /** Sequence of the last batch in the current epoch, or -1 so that the next expected one is 0. */
    int lastSeq() {
        BatchMetadata last = batches.peekLast();
        return last == null ? -1 : last.lastSeq();
    }

    Optional<BatchMetadata> findDuplicate(int firstSeq, int lastSeq) {
        for (BatchMetadata batch : batches) {
            if (batch.hasSequences(firstSeq, lastSeq)) {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    /** A new epoch starts a new sequence space, so the old window can no longer match a retry. */
    void maybeBumpEpoch(short newEpoch) {
        if (newEpoch != epoch) {
            epoch = newEpoch;
            batches.clear();
        }
    }

    void addBatch(BatchMetadata batch) {
        if (batches.size() == ProducerStateTable.RETAINED_BATCHES) {
            batches.removeFirst();
        }
        batches.addLast(batch);
        lastTimestamp = batch.timestamp();
    }

    /** Drops batches at or above {@code offset}; returns whether any were dropped. */
    boolean dropBatchesFrom(long offset) {
        boolean dropped = false;
        for (Iterator<BatchMetadata> it = batches.descendingIterator(); it.hasNext(); ) {
            if (it.next().lastOffset() < offset) {
                break;
            }
            it.remove();
            dropped = true;
        }
        if (dropped && !batches.isEmpty()) {
            lastTimestamp = batches.peekLast().timestamp();
        }
        return dropped;
    }
}
