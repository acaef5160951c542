package io.sluice.transactions.coordinator;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ListTransactions filters (KIP-664, KIP-994, KIP-1152): a transaction is listed when it matches every
 * filter given; an empty filter matches everything.
 *
 * @param states       states to keep (empty: all)
 * @param producerIds  producer ids to keep (empty: all)
 * @param minDurationMs keep only transactions running for longer than this; negative: no filter
 * @param idPattern    keep only transactional ids fully matching this regular expression; null: all
 */
public record TransactionFilter(Set<TransactionState> states, Set<Long> producerIds, long minDurationMs,
                                Pattern idPattern) {

    public static final TransactionFilter ALL = new TransactionFilter(Set.of(), Set.of(), -1, null);

    public TransactionFilter {
        states = states.isEmpty() ? Set.of() : EnumSet.copyOf(states);
        producerIds = Set.copyOf(producerIds);
    }

    public boolean matches(TransactionMetadata txn, long now) {
        if (txn.state() == TransactionState.DEAD) {
            return false;
        }
        return (states.isEmpty() || states.contains(txn.state()))
                && (producerIds.isEmpty() || producerIds.contains(txn.producerId()))
                && (minDurationMs < 0 || now - txn.txnStartTimestamp() > minDurationMs)
                && (idPattern == null || idPattern.matcher(txn.transactionalId()).matches());
    }

    /** Ids idle for at least {@code expirationMs}: the ones the coordinator expires, least recently used first. */
    public static List<TransactionMetadata> expired(Collection<TransactionMetadata> all, long now, long expirationMs) {
        return all.stream()
                .filter(t -> t.hasExpired(now, expirationMs))
                .sorted(java.util.Comparator.comparingLong(TransactionMetadata::txnLastUpdateTimestamp))
                .toList();
    }

    /** Ongoing transactions past their timeout: the ones the coordinator aborts, oldest first. */
    public static List<TransactionMetadata> timedOut(Collection<TransactionMetadata> all, long now) {
        return all.stream()
                .filter(t -> t.hasTimedOut(now))
                .sorted(java.util.Comparator.comparingLong(TransactionMetadata::txnStartTimestamp))
                .toList();
    }
}
