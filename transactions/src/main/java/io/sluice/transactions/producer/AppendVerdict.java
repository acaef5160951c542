package io.sluice.transactions.producer;

import org.apache.kafka.common.protocol.Errors;

/**
 * The answer to {@link ProducerStateTable#check}: may this batch be appended?
 *
 * <p>For {@link Outcome#DUPLICATE} the broker writes nothing and acknowledges with
 * {@code duplicateFirstOffset}/{@code duplicateLastOffset}, the offsets the batch got the first time
 * (both are -1 for every other outcome). {@code currentEpoch} is the producer's epoch as the table knows
 * it (-1 for an unknown producer), so a broker serving old transactional clients can turn
 * {@link Outcome#INVALID_PRODUCER_EPOCH} into {@code PRODUCER_FENCED}.
 */
public record AppendVerdict(Outcome outcome, long duplicateFirstOffset, long duplicateLastOffset,
                            short currentEpoch, String reason) {

    public enum Outcome {
        /** Write the batch, then call {@link ProducerStateTable#recordAppend}. */
        ACCEPT,
        /** A retry of one of the producer's last batches: write nothing, ack the original offsets. */
        DUPLICATE,
        /** A gap or a reorder within one epoch, or a new epoch not starting at sequence 0. */
        OUT_OF_ORDER_SEQUENCE,
        /** The batch's epoch is older than the producer's current one: a zombie. */
        INVALID_PRODUCER_EPOCH,
        /** A non-transactional data batch from a producer with an open transaction here. */
        INVALID_TXN_STATE,
        /** A marker from a transaction coordinator older than the one that wrote the producer's last marker. */
        COORDINATOR_FENCED
    }

    static AppendVerdict accept(short currentEpoch) {
        return new AppendVerdict(Outcome.ACCEPT, -1, -1, currentEpoch, "");
    }

    static AppendVerdict duplicate(short currentEpoch, BatchMetadata original) {
        return new AppendVerdict(Outcome.DUPLICATE, original.firstOffset(), original.lastOffset(), currentEpoch,
                "duplicate of batch at offset " + original.firstOffset());
    }

    static AppendVerdict reject(Outcome outcome, short currentEpoch, String reason) {
        return new AppendVerdict(outcome, -1, -1, currentEpoch, reason);
    }

    public boolean isAccepted() {
        return outcome == Outcome.ACCEPT;
    }

    /** The Kafka error for the produce response; a duplicate is a success carrying the original offsets. */
    public Errors error() {
        return switch (outcome) {
            case ACCEPT, DUPLICATE -> Errors.NONE;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case INVALID_TXN_STATE -> Errors.INVALID_TXN_STATE;
            case COORDINATOR_FENCED -> Errors.TRANSACTION_COORDINATOR_FENCED;
        };
    }
}
