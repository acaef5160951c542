package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;

import static io.sluice.transactions.coordinator.TransactionMetadata.NO_PRODUCER_EPOCH;
import static io.sluice.transactions.coordinator.TransactionMetadata.NO_PRODUCER_ID;

/**
 * The coordinator's decisions, as pure functions of the current {@link TransactionMetadata} and a
 * request (transaction protocol v1, Kafka's {@code TransactionCoordinator} rules). Callers hold the
 * transactional id's lock from the decision until the persisted result is installed, so decisions
 * never race.
 *
 * <p>Errors returned here are the newest codes (PRODUCER_FENCED); mapping them down for old request
 * versions is the API layer's job.
 */
public final class TransactionStateMachine {

    private TransactionStateMachine() {
    }

    /**
     * InitProducerId with a transactional id.
     *
     * @param current        the id's metadata, or null if the coordinator has never seen it (or Dead, if it
     *                       expired)
     * @param expectedPid    the producer id the client has (v3+, KIP-360), or -1
     * @param expectedEpoch  its epoch, or -1
     * @param newProducerId  allocates a fresh producer id; called only when one is needed
     */
    public static TxnDecision initProducerId(TransactionMetadata current, String transactionalId, int timeoutMs,
                                             int maxTimeoutMs, long expectedPid, short expectedEpoch, long now,
                                             LongSupplier newProducerId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return TxnDecision.reply(Errors.INVALID_REQUEST);
        }
        if (timeoutMs <= 0 || timeoutMs > maxTimeoutMs) {
            return TxnDecision.reply(Errors.INVALID_TRANSACTION_TIMEOUT);
        }
        boolean expected = expectedPid != NO_PRODUCER_ID || expectedEpoch != NO_PRODUCER_EPOCH;
        if (expected && (expectedPid == NO_PRODUCER_ID || expectedEpoch == NO_PRODUCER_EPOCH)) {
            return TxnDecision.reply(Errors.INVALID_REQUEST);
        }
        // An expired id is forgotten: it starts afresh, with a new producer id.
        TransactionMetadata txn = isKnown(current) ? current
                : TransactionMetadata.create(transactionalId, newProducerId.getAsLong(), timeoutMs, now);
        if (expected && !isValidProducerId(txn, expectedPid, expectedEpoch)) {
            return TxnDecision.reply(Errors.PRODUCER_FENCED);
        }
        switch (txn.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> {
                return TxnDecision.reply(Errors.CONCURRENT_TRANSACTIONS);
            }
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                if (txn.isEpochExhausted() && (!expected || expectedEpoch == txn.producerEpoch())) {
                    // Rotation: a new producer id starts again at epoch 0.
                    return TxnDecision.persist(txn.transitionTo(TransactionState.EMPTY, newProducerId.getAsLong(),
                            txn.producerId(), (short) 0, expected ? txn.producerEpoch() : NO_PRODUCER_EPOCH,
                            timeoutMs, Set.of(), -1L, now));
                }
                return incrementEpoch(txn, timeoutMs, expected, expectedEpoch, now);
            }
            case ONGOING -> {
                // The ongoing transaction belongs to the producer being replaced: abort it under a bumped
                // epoch (fencing the old producer) and let the client retry, which bumps the epoch again.
                return TxnDecision.persistThenComplete(fenceAndAbort(txn, now), Errors.CONCURRENT_TRANSACTIONS);
            }
            default -> throw new IllegalStateException("Transactional id " + transactionalId + " found in state "
                    + txn.state().displayName() + ", which is never current");
        }
    }

    /**
     * The producer may claim the id: the metadata is new, or the producer id is the current one (the
     * epoch is checked when bumping), or it is the previous one with an exhausted epoch (a retry of a
     * rotation whose response was lost).
     */
    private static boolean isValidProducerId(TransactionMetadata txn, long pid, short epoch) {
        return txn.producerEpoch() == NO_PRODUCER_EPOCH
                || pid == txn.producerId()
                || (pid == txn.lastProducerId() && TransactionMetadata.isEpochExhausted(epoch));
    }

    private static TxnDecision incrementEpoch(TransactionMetadata txn, int timeoutMs, boolean expected,
                                              short expectedEpoch, long now) {
        short bumped = (short) (txn.producerEpoch() + 1);
        short next;
        short last;
        if (!expected) {
            next = bumped;
            last = NO_PRODUCER_EPOCH;
        } else if (txn.producerEpoch() == NO_PRODUCER_EPOCH || expectedEpoch == txn.producerEpoch()) {
            next = bumped;
            last = txn.producerEpoch();
        } else if (expectedEpoch == txn.lastProducerEpoch()) {
            // A retry of a bump that succeeded: answer with the current epoch again.
            next = txn.producerEpoch();
            last = txn.lastProducerEpoch();
        } else {
            return TxnDecision.reply(Errors.PRODUCER_FENCED);
        }
        return TxnDecision.persist(txn.transitionTo(TransactionState.EMPTY, txn.producerId(), txn.lastProducerId(),
                next, last, timeoutMs, Set.of(), -1L, now));
    }

    /**
     * Aborts an Ongoing transaction on the coordinator's initiative (a new producer took over the id, or
     * the transaction timed out): the epoch is bumped so that the old producer is fenced, and the
     * markers carry the new epoch. Goes through the transient PrepareEpochFence state.
     */
    public static TransactionMetadata fenceAndAbort(TransactionMetadata txn, long now) {
        if (txn.producerEpoch() == Short.MAX_VALUE) {
            throw new IllegalStateException("Cannot fence " + txn.transactionalId() + ": epoch " + txn.producerEpoch()
                    + " would overflow");
        }
        TransactionMetadata fenced = txn.transitionTo(TransactionState.PREPARE_EPOCH_FENCE, txn.producerId(),
                txn.lastProducerId(), (short) (txn.producerEpoch() + 1), NO_PRODUCER_EPOCH, txn.timeoutMs(),
                txn.partitions(), txn.txnStartTimestamp(), now);
        return fenced.transitionTo(TransactionState.PREPARE_ABORT, fenced.partitions(), fenced.txnStartTimestamp(), now);
    }

    /**
     * Expires an idle transactional id ({@code transactional.id.expiration.ms}): the Dead metadata, which
     * is persisted as a tombstone and then dropped.
     *
     * @throws IllegalStateException if the id has a transaction open or completing
     */
    public static TransactionMetadata expire(TransactionMetadata txn, long now) {
        return txn.transitionTo(TransactionState.DEAD, Set.of(), txn.txnStartTimestamp(), now);
    }

    /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's offsets partition). */
    public static TxnDecision addPartitions(TransactionMetadata txn, long producerId, short producerEpoch,
                                            Set<TopicPartition> partitions, long now) {
        Errors error = checkProducer(txn, producerId, producerEpoch);
        if (error != Errors.NONE) {
            return TxnDecision.reply(error);
        }
        TransactionState state = txn.state();
        if (state.isPreparing()) {
            return TxnDecision.reply(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (state == TransactionState.ONGOING && txn.partitions().containsAll(partitions)) {
            return TxnDecision.reply(Errors.NONE);
        }
        if (state != TransactionState.ONGOING && state != TransactionState.EMPTY && !state.isComplete()) {
            return TxnDecision.reply(Errors.INVALID_TXN_STATE);
        }
        Set<TopicPartition> all = new HashSet<>(txn.partitions());
        all.addAll(partitions);
        long start = state == TransactionState.ONGOING ? txn.txnStartTimestamp() : now;
        return TxnDecision.persist(txn.transitionTo(TransactionState.ONGOING, all, start, now));
    }

    /** EndTxn from the client. */
    public static TxnDecision endTxn(TransactionMetadata txn, long producerId, short producerEpoch, boolean commit,
                                     long now) {
        Errors error = checkProducer(txn, producerId, producerEpoch);
        if (error != Errors.NONE) {
            return TxnDecision.reply(error);
        }
        return switch (txn.state()) {
            case ONGOING -> TxnDecision.persistThenComplete(txn.transitionTo(
                    commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, txn.partitions(),
                    txn.txnStartTimestamp(), now), Errors.NONE);
            // A retry of an EndTxn that already went through.
            case COMPLETE_COMMIT -> TxnDecision.reply(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
            case COMPLETE_ABORT -> TxnDecision.reply(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
            case PREPARE_COMMIT -> TxnDecision.reply(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
            case PREPARE_ABORT -> TxnDecision.reply(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
            case EMPTY -> TxnDecision.reply(Errors.INVALID_TXN_STATE);
            default -> throw new IllegalStateException("Transactional id " + txn.transactionalId() + " found in state "
                    + txn.state().displayName() + ", which is never current");
        };
    }

    /** The record that closes a transaction once every marker is written: Complete*, no partitions. */
    public static TransactionMetadata complete(TransactionMetadata txn, long now) {
        TransactionState next = switch (txn.state()) {
            case PREPARE_COMMIT -> TransactionState.COMPLETE_COMMIT;
            case PREPARE_ABORT -> TransactionState.COMPLETE_ABORT;
            default -> throw new IllegalStateException("Cannot complete " + txn);
        };
        return txn.transitionTo(next, Set.of(), txn.txnStartTimestamp(), now);
    }

    /** Null (never seen) and Dead (expired) ids are both unknown to the coordinator. */
    private static boolean isKnown(TransactionMetadata txn) {
        return txn != null && txn.state() != TransactionState.DEAD;
    }

    private static Errors checkProducer(TransactionMetadata txn, long producerId, short producerEpoch) {
        if (!isKnown(txn) || txn.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (txn.producerEpoch() != producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        return Errors.NONE;
    }
}
