package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.sluice.transactions.coordinator.TransactionState.COMPLETE_ABORT;
import static io.sluice.transactions.coordinator.TransactionState.COMPLETE_COMMIT;
import static io.sluice.transactions.coordinator.TransactionState.DEAD;
import static io.sluice.transactions.coordinator.TransactionState.EMPTY;
import static io.sluice.transactions.coordinator.TransactionState.ONGOING;
import static io.sluice.transactions.coordinator.TransactionState.PREPARE_ABORT;
import static io.sluice.transactions.coordinator.TransactionState.PREPARE_COMMIT;
import static io.sluice.transactions.coordinator.TransactionState.PREPARE_EPOCH_FENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code transactional.id.expiration.ms}: idle ids go to Dead, are written as tombstones and start afresh. */
class TransactionalIdExpirationTest {
    private static final long EXPIRATION_MS = 10_000;
    private static final TopicPartition A = new TopicPartition("a", 0);

    private final AtomicLong pids = new AtomicLong(1000);

    private static TransactionMetadata in(TransactionState state, long lastUpdate) {
        Set<TopicPartition> partitions = state == ONGOING || state.isPreparing() ? Set.of(A) : Set.of();
        return new TransactionMetadata("t-" + state.displayName(), 7, -1, (short) 3, (short) -1, 60_000, state,
                partitions, state == EMPTY ? -1 : 100, lastUpdate);
    }

    @Test
    void onlyIdsWithNoTransactionInFlightMayExpire() {
        assertThat(List.of(TransactionState.values())).filteredOn(TransactionState::allowsExpiration)
                .containsExactlyInAnyOrder(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
        for (TransactionState busy : List.of(ONGOING, PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE, DEAD)) {
            assertThat(in(busy, 0).hasExpired(1_000_000, EXPIRATION_MS)).as(busy.displayName()).isFalse();
        }
    }

    @Test
    void anIdExpiresOnceUnchangedForTheWholeExpirationTime() {
        TransactionMetadata committed = in(COMPLETE_COMMIT, 5_000);

        assertThat(committed.hasExpired(14_999, EXPIRATION_MS)).isFalse();
        assertThat(committed.hasExpired(15_000, EXPIRATION_MS)).isTrue();
    }

    @Test
    void expiringGoesToDeadAndKeepsTheProducer() {
        TransactionMetadata dead = TransactionStateMachine.expire(in(COMPLETE_ABORT, 5_000), 20_000);

        assertThat(dead.state()).isEqualTo(DEAD);
        assertThat(dead.producerId()).isEqualTo(7);
        assertThat(dead.producerEpoch()).isEqualTo((short) 3);
        assertThat(dead.partitions()).isEmpty();
        assertThat(dead.txnLastUpdateTimestamp()).isEqualTo(20_000);
    }

    @Test
    void anIdWithATransactionInFlightCannotBeExpired() {
        for (TransactionState busy : List.of(ONGOING, PREPARE_COMMIT, PREPARE_ABORT)) {
            assertThatThrownBy(() -> TransactionStateMachine.expire(in(busy, 0), 20_000)).as(busy.displayName())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("-> Dead");
        }
    }

    @Test
    void deadIsFinal() {
        for (TransactionState next : TransactionState.values()) {
            assertThat(DEAD.canTransitionTo(next)).as(next.displayName()).isFalse();
        }
    }

    @Test
    void expiredSelectsIdleIdsLeastRecentlyUsedFirst() {
        TransactionMetadata recent = in(EMPTY, 9_000);
        TransactionMetadata older = in(COMPLETE_COMMIT, 2_000);
        TransactionMetadata oldest = in(COMPLETE_ABORT, 1_000);
        TransactionMetadata ongoing = in(ONGOING, 0);

        assertThat(TransactionFilter.expired(List.of(recent, older, ongoing, oldest), 12_000, EXPIRATION_MS))
                .containsExactly(oldest, older);
    }

    @Test
    void aDeadIdIsWrittenAsATombstone() {
        TransactionMetadata committed = in(COMPLETE_COMMIT, 0);

        assertThat(TransactionLogRecords.valueFor(TransactionStateMachine.expire(committed, 20_000))).isNull();
        assertThat(TransactionLogRecords.readValue(committed.transactionalId(),
                ByteBuffer.wrap(TransactionLogRecords.valueFor(committed)))).isEqualTo(committed);
    }

    @Test
    void aDeadIdStartsAfreshWithANewProducerId() {
        TransactionMetadata dead = TransactionStateMachine.expire(in(COMPLETE_COMMIT, 0), 20_000);

        TxnDecision init = TransactionStateMachine.initProducerId(dead, dead.transactionalId(), 30_000, 900_000, -1,
                (short) -1, 30_000, pids::getAndIncrement);

        assertThat(init.kind()).isEqualTo(TxnDecision.Kind.PERSIST);
        assertThat(init.next().state()).isEqualTo(EMPTY);
        assertThat(init.next().producerId()).isEqualTo(1000);
        assertThat(init.next().producerEpoch()).isZero();
        assertThat(init.next().timeoutMs()).isEqualTo(30_000);
    }

    @Test
    void aDeadIdsOldProducerIsUnknown() {
        TransactionMetadata dead = TransactionStateMachine.expire(in(COMPLETE_COMMIT, 0), 20_000);

        assertThat(TransactionStateMachine.addPartitions(dead, 7, (short) 3, Set.of(A), 30_000).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(TransactionStateMachine.endTxn(dead, 7, (short) 3, true, 30_000).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void deadIsNeverListed() {
        TransactionMetadata dead = TransactionStateMachine.expire(in(EMPTY, 0), 20_000);

        assertThat(TransactionFilter.ALL.matches(dead, 30_000)).isFalse();
        assertThat(new TransactionFilter(Set.of(DEAD), Set.of(), -1, null).matches(dead, 30_000)).isFalse();
    }
}
