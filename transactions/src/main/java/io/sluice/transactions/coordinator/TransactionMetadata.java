package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the coordinator knows about one transactional id: exactly what one
 * {@code __transaction_state} record holds. Immutable; every change is a new value made by
 * {@link #transitionTo}, which refuses moves the state machine does not allow.
 *
 * @param transactionalId         the client's {@code transactional.id}
 * @param producerId              the producer id now in use
 * @param lastProducerId          the producer id used before the last rotation (epoch exhaustion), or -1
 * @param producerEpoch           the current epoch, -1 before the first InitProducerId completed
 * @param lastProducerEpoch       the epoch before the last client-requested bump, or -1: lets a producer
 *                                retry an InitProducerId whose response it lost
 * @param timeoutMs               the producer's {@code transaction.timeout.ms}
 * @param state                   where the transaction is
 * @param partitions              partitions written in the current transaction (empty when none is open)
 * @param txnStartTimestamp       when the current transaction began (its first AddPartitions), or -1
 * @param txnLastUpdateTimestamp  when this record was last changed
 */
public record TransactionMetadata(String transactionalId, long producerId, long lastProducerId, short producerEpoch,
                                  short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long txnStartTimestamp,
                                  long txnLastUpdateTimestamp) {

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;

    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public TransactionMetadata {
        if (transactionalId == null || transactionalId.isEmpty()) {
            throw new IllegalArgumentException("transactional id must not be empty");
        }
        partitions = sorted(partitions);
    }

    private static Set<TopicPartition> sorted(Collection<TopicPartition> partitions) {
        List<TopicPartition> list = partitions.stream().distinct().sorted(ORDER).toList();
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(list));
    }

    /** A transactional id seen for the first time: a fresh producer id, no epoch yet. */
    public static TransactionMetadata create(String transactionalId, long producerId, int timeoutMs, long now) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, NO_PRODUCER_EPOCH,
                NO_PRODUCER_EPOCH, timeoutMs, TransactionState.EMPTY, Set.of(), -1L, now);
    }

    /** Kafka's rule: an epoch this high can only be fenced once more, after that the id must rotate. */
    public static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    public boolean isEpochExhausted() {
        return isEpochExhausted(producerEpoch);
    }

    /** True when the transaction is Ongoing and has run past its timeout at {@code now}. */
    public boolean hasTimedOut(long now) {
        return state == TransactionState.ONGOING && txnStartTimestamp >= 0 && txnStartTimestamp + timeoutMs < now;
    }

    /**
     * True when the id may expire at {@code now}: no transaction open or completing, and unchanged for
     * at least {@code expirationMs} ({@code transactional.id.expiration.ms}).
     */
    public boolean hasExpired(long now, long expirationMs) {
        return state.allowsExpiration() && txnLastUpdateTimestamp <= now - expirationMs;
    }

    /**
     * A copy in state {@code next} with the given fields.
     *
     * @throws IllegalStateException if the state machine does not allow {@code state -> next}
     */
    public TransactionMetadata transitionTo(TransactionState next, long producerId, long lastProducerId,
                                            short producerEpoch, short lastProducerEpoch, int timeoutMs,
                                            Set<TopicPartition> partitions, long txnStartTimestamp, long now) {
        if (!state.canTransitionTo(next)) {
            throw new IllegalStateException("Transactional id " + transactionalId + ": illegal transition "
                    + state.displayName() + " -> " + next.displayName());
        }
        return new TransactionMetadata(transactionalId, producerId, lastProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, next, partitions, txnStartTimestamp, now);
    }

    /** Same producer and epoch, new state, partitions and start time. */
    public TransactionMetadata transitionTo(TransactionState next, Set<TopicPartition> partitions,
                                            long txnStartTimestamp, long now) {
        return transitionTo(next, producerId, lastProducerId, producerEpoch, lastProducerEpoch, timeoutMs, partitions,
                txnStartTimestamp, now);
    }

    @Override
    public String toString() {
        return "TransactionMetadata(" + transactionalId + ", producerId=" + producerId + ", lastProducerId="
                + lastProducerId + ", epoch=" + producerEpoch + ", lastEpoch=" + lastProducerEpoch + ", timeoutMs="
                + timeoutMs + ", state=" + state.displayName() + ", partitions=" + partitions + ", txnStart="
                + txnStartTimestamp + ", lastUpdate=" + txnLastUpdateTimestamp + ")";
    }
}
