package io.sluice.transactions.coordinator;

import org.apache.kafka.common.protocol.Errors;

import java.util.Objects;

/**
 * What the coordinator must do for one request, as decided by {@link TransactionStateMachine}.
 *
 * <ul>
 *   <li>{@link Kind#REPLY}: persist nothing, answer {@link #error()} (which may be NONE, for a retry of
 *       something already done).</li>
 *   <li>{@link Kind#PERSIST}: write {@link #next()} to the transaction log, and only once that write
 *       succeeded make it current and answer NONE.</li>
 *   <li>{@link Kind#PERSIST_THEN_COMPLETE}: as PERSIST; {@code next} is PrepareCommit/PrepareAbort, so
 *       markers must then be written and the transaction completed. The client is answered
 *       {@link #error()} once {@code next} is durable (NONE for EndTxn, CONCURRENT_TRANSACTIONS for an
 *       InitProducerId that had to abort an ongoing transaction first).</li>
 * </ul>
 */
public record TxnDecision(Kind kind, Errors error, TransactionMetadata next) {

    public enum Kind { REPLY, PERSIST, PERSIST_THEN_COMPLETE }

    public TxnDecision {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(error);
        if ((kind == Kind.REPLY) != (next == null)) {
            throw new IllegalArgumentException(kind + " with next=" + next);
        }
    }

    public static TxnDecision reply(Errors error) {
        return new TxnDecision(Kind.REPLY, error, null);
    }

    public static TxnDecision persist(TransactionMetadata next) {
        return new TxnDecision(Kind.PERSIST, Errors.NONE, next);
    }

    public static TxnDecision persistThenComplete(TransactionMetadata prepare, Errors answer) {
        if (!prepare.state().isPreparing()) {
            throw new IllegalArgumentException("not a prepare state: " + prepare);
        }
        return new TxnDecision(Kind.PERSIST_THEN_COMPLETE, answer, prepare);
    }
}
