package io.sluice.transactions.coordinator;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The states of a transactional id at its coordinator (KIP-98), under the names Kafka's admin tools
 * show. Every legal move is listed in {@link #canTransitionTo}; anything else is a coordinator bug.
 *
 * <pre>
 *   Empty ──AddPartitions──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit
 *     ▲                        │  └──EndTxn(abort)────▶ PrepareAbort ──markers──▶ CompleteAbort
 *     │                        └─fence/timeout─▶ PrepareEpochFence ─▶ PrepareAbort
 *     └──InitProducerId── Empty / CompleteCommit / CompleteAbort (epoch bump)
 *
 *   Empty / CompleteCommit / CompleteAbort ──idle for transactional.id.expiration.ms──▶ Dead
 * </pre>
 *
 * <p>{@link #PREPARE_EPOCH_FENCE} is transient, as in Kafka: the coordinator bumps the epoch of an
 * Ongoing transaction and aborts it in one step, so what reaches the log is the PrepareAbort record
 * carrying the bumped epoch. {@link #DEAD} is final: an expired transactional id, written to the log
 * as a tombstone and then forgotten, so that its next InitProducerId starts it afresh with a new
 * producer id. Only an id with no transaction in flight may expire ({@link #allowsExpiration}).
 */
public enum TransactionState {
    EMPTY("Empty", (byte) 0),
    ONGOING("Ongoing", (byte) 1),
    PREPARE_COMMIT("PrepareCommit", (byte) 2),
    PREPARE_ABORT("PrepareAbort", (byte) 3),
    COMPLETE_COMMIT("CompleteCommit", (byte) 4),
    COMPLETE_ABORT("CompleteAbort", (byte) 5),
    DEAD("Dead", (byte) 6),
    PREPARE_EPOCH_FENCE("PrepareEpochFence", (byte) 7);

    private final String displayName;
    private final byte id;

    TransactionState(String displayName, byte id) {
        this.displayName = displayName;
        this.id = id;
    }

    /** The name DescribeTransactions / ListTransactions report, e.g. {@code PrepareCommit}. */
    public String displayName() {
        return displayName;
    }

    /** The state's code in {@code __transaction_state} values: fixed, never reordered. */
    public byte id() {
        return id;
    }

    public static TransactionState fromId(byte id) {
        for (TransactionState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("Unknown transaction state id " + id);
    }

    /** Case-insensitive lookup by display name, as ListTransactions state filters are matched. */
    public static Optional<TransactionState> fromDisplayName(String name) {
        for (TransactionState s : values()) {
            if (s.displayName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** States from which this one may be entered. */
    private Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    public boolean canTransitionTo(TransactionState next) {
        return next.validPrevious().contains(this);
    }

    /** Whether an id idle in this state may expire: only when no transaction is open or completing. */
    public boolean allowsExpiration() {
        return canTransitionTo(DEAD);
    }

    /** A transaction whose markers are being written: the client must wait (CONCURRENT_TRANSACTIONS). */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    public boolean isComplete() {
        return this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
