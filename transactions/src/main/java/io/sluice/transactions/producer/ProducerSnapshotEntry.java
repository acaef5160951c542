package io.sluice.transactions.producer;

/**
 * One producer as DescribeProducers reports it. {@code coordinatorEpoch} is always -1 because markers
 * are recorded without their coordinator epoch; {@code lastSequence} and {@code currentTxnStartOffset}
 * are -1 when there is none.
 */
public record ProducerSnapshotEntry(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                                    int coordinatorEpoch, long currentTxnStartOffset) {
}
