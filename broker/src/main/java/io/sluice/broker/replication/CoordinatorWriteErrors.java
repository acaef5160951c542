package io.sluice.broker.replication;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * What a client is told when a coordinator's write (to {@code __consumer_offsets} or
 * {@code __transaction_state}) was refused or not replicated, as Kafka's coordinators tell it: trouble
 * with the replicas or a slow ISR is retriable (COORDINATOR_NOT_AVAILABLE), lost leadership sends the
 * client to the new coordinator (NOT_COORDINATOR), and a write too large for the log is the client's
 * own fault.
 */
public final class CoordinatorWriteErrors {
    private CoordinatorWriteErrors() {
    }

    /** OffsetCommit and TxnOffsetCommit: too large is INVALID_COMMIT_OFFSET_SIZE, which the consumer reports as such. */
    public static Errors forOffsetCommit(Errors appendError) {
        return map(appendError, Errors.INVALID_COMMIT_OFFSET_SIZE);
    }

    /**
     * Group metadata (SyncGroup, a static member's JoinGroup), DeleteGroups, OffsetDelete and the
     * transaction coordinator's state changes.
     */
    public static Errors forCoordinatorWrite(Errors appendError) {
        return map(appendError, Errors.UNKNOWN_SERVER_ERROR);
    }

    /** The error a refused append ({@link ReplicatedAppender#append} threw) stands for. */
    public static Errors appendError(RuntimeException refusal) {
        // Anything but an ApiException (an I/O failure, a closed log) is ours: the client may retry elsewhere.
        return refusal instanceof ApiException ? Errors.forException(refusal) : Errors.COORDINATOR_NOT_AVAILABLE;
    }

    private static Errors map(Errors appendError, Errors tooLarge) {
        return switch (appendError) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> tooLarge;
            default -> appendError;
        };
    }
}
