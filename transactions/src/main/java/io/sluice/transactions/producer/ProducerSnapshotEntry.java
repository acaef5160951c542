package io.sluice.transactions.producer;

/**
 * One producer as DescribeProducers reports it. {@code coordinatorEpoch} is that of the producer's last
 * marker here; it, {@code lastSequence} and {@code currentTxnStartOffset} are -1 when there is none.
 */
public record ProducerSnapshotEntry(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                                    int coordinatorEpoch, long currentTxnStartOffset) {
}
