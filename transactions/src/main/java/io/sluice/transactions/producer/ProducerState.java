package io.sluice.transactions.producer;

import java.util.List;

/**
 * Immutable copy of everything the table knows about one producer: what a snapshot stores and what a
 * table is restored from.
 *
 * <p>Invariants: at most {@link ProducerStateTable#RETAINED_BATCHES} batches, oldest first, all written
 * with {@code epoch} (an epoch bump forgets the older batches); {@code currentTxnFirstOffset} is -1 when
 * no transaction is open, and then {@code currentTxnStartTimestamp} is -1 too; {@code lastMarkerOffset}
 * and {@code coordinatorEpoch} (the transaction coordinator epoch that marker carried) are -1 when no
 * marker has been recorded for this producer.
 */
public record ProducerState(long producerId, short epoch, List<BatchMetadata> batches, long lastTimestamp,
                            long currentTxnFirstOffset, long currentTxnStartTimestamp, long lastMarkerOffset,
                            int coordinatorEpoch) {

    public ProducerState {
        batches = List.copyOf(batches);
        if (batches.size() > ProducerStateTable.RETAINED_BATCHES) {
            throw new IllegalArgumentException("more than " + ProducerStateTable.RETAINED_BATCHES + " batches");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("negative epoch " + epoch);
        }
    }

    public boolean hasOpenTransaction() {
        return currentTxnFirstOffset >= 0;
    }
}
