package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.sluice.transactions.coordinator.TransactionState.COMPLETE_ABORT;
import static io.sluice.transactions.coordinator.TransactionState.COMPLETE_COMMIT;
import static io.sluice.transactions.coordinator.TransactionState.EMPTY;
import static io.sluice.transactions.coordinator.TransactionState.ONGOING;
import static io.sluice.transactions.coordinator.TransactionState.PREPARE_ABORT;
import static io.sluice.transactions.coordinator.TransactionState.PREPARE_COMMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransactionStateMachineTest {
    private static final int MAX = 900_000;
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 1);

    private final AtomicLong pids = new AtomicLong(1000);

    private TxnDecision init(TransactionMetadata current, long expectedPid, short expectedEpoch, long now) {
        return TransactionStateMachine.initProducerId(current, "t", 60_000, MAX, expectedPid, expectedEpoch, now,
                pids::getAndIncrement);
    }

    private TransactionMetadata initialised() {
        TxnDecision d = init(null, -1, (short) -1, 10);
        assertThat(d.kind()).isEqualTo(TxnDecision.Kind.PERSIST);
        return d.next();
    }

    private TransactionMetadata ongoing(TransactionMetadata txn, long now, TopicPartition... tps) {
        TxnDecision d = TransactionStateMachine.addPartitions(txn, txn.producerId(), txn.producerEpoch(), Set.of(tps), now);
        assertThat(d.kind()).isEqualTo(TxnDecision.Kind.PERSIST);
        return d.next();
    }

    @Test
    void firstInitGivesANewProducerIdAtEpochZero() {
        TransactionMetadata txn = initialised();
        assertThat(txn.producerId()).isEqualTo(1000);
        assertThat(txn.producerEpoch()).isZero();
        assertThat(txn.state()).isEqualTo(EMPTY);
        assertThat(txn.timeoutMs()).isEqualTo(60_000);
    }

    @Test
    void reInitBumpsTheEpochAndKeepsTheProducerId() {
        TransactionMetadata txn = initialised();
        TxnDecision again = init(txn, -1, (short) -1, 20);
        assertThat(again.next().producerId()).isEqualTo(1000);
        assertThat(again.next().producerEpoch()).isEqualTo((short) 1);
        assertThat(pids.get()).isEqualTo(1001);
    }

    @Test
    void timeoutAboveTheMaximumIsRefused() {
        TxnDecision d = TransactionStateMachine.initProducerId(null, "t", MAX + 1, MAX, -1, (short) -1, 0,
                pids::getAndIncrement);
        assertThat(d.error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(TransactionStateMachine.initProducerId(null, "t", 0, MAX, -1, (short) -1, 0, pids::getAndIncrement)
                .error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(pids.get()).isEqualTo(1000);
    }

    @Test
    void initDuringAnOngoingTransactionFencesAndAbortsIt() {
        TransactionMetadata txn = ongoing(initialised(), 30, A, B);
        TxnDecision d = init(txn, -1, (short) -1, 40);
        assertThat(d.kind()).isEqualTo(TxnDecision.Kind.PERSIST_THEN_COMPLETE);
        assertThat(d.error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(d.next().state()).isEqualTo(PREPARE_ABORT);
        assertThat(d.next().producerEpoch()).isEqualTo((short) 1);
        assertThat(d.next().partitions()).containsExactly(A, B);

        // The old producer (epoch 0) is fenced from now on.
        assertThat(TransactionStateMachine.endTxn(d.next(), 1000, (short) 0, true, 50).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        // While markers are written the new producer must wait.
        assertThat(init(d.next(), -1, (short) -1, 50).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        TransactionMetadata aborted = TransactionStateMachine.complete(d.next(), 60);
        assertThat(aborted.state()).isEqualTo(COMPLETE_ABORT);
        assertThat(aborted.partitions()).isEmpty();
        TxnDecision retry = init(aborted, -1, (short) -1, 70);
        assertThat(retry.next().producerEpoch()).isEqualTo((short) 2);
    }

    @Test
    void exhaustedEpochRotatesTheProducerId() {
        TransactionMetadata txn = initialised();
        TransactionMetadata old = new TransactionMetadata("t", txn.producerId(), -1, (short) (Short.MAX_VALUE - 1),
                (short) -1, 60_000, COMPLETE_COMMIT, Set.of(), 5, 5);
        TxnDecision d = init(old, -1, (short) -1, 20);
        assertThat(d.next().producerId()).isEqualTo(1001);
        assertThat(d.next().lastProducerId()).isEqualTo(1000);
        assertThat(d.next().producerEpoch()).isZero();
    }

    @Test
    void kip360RetryOfABumpReturnsTheSameEpochAndStaleEpochsAreFenced() {
        TransactionMetadata txn = initialised();
        TransactionMetadata bumped = init(txn, 1000, (short) 0, 20).next();
        assertThat(bumped.producerEpoch()).isEqualTo((short) 1);
        assertThat(bumped.lastProducerEpoch()).isEqualTo((short) 0);
        // The response was lost: the client retries with its old epoch.
        TransactionMetadata retried = init(bumped, 1000, (short) 0, 30).next();
        assertThat(retried.producerEpoch()).isEqualTo((short) 1);
        // Someone else's producer id is fenced outright.
        assertThat(init(bumped, 7, (short) 0, 30).error()).isEqualTo(Errors.PRODUCER_FENCED);
        // An epoch that is neither current nor last is fenced.
        TransactionMetadata twice = init(bumped, 1000, (short) 1, 40).next();
        assertThat(init(twice, 1000, (short) 0, 50).error()).isEqualTo(Errors.PRODUCER_FENCED);
        // Half a pair is malformed.
        assertThat(init(twice, 1000, (short) -1, 50).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void addPartitionsStartsTheTransactionOnceAndKeepsItsStartTime() {
        TransactionMetadata txn = ongoing(initialised(), 30, A);
        assertThat(txn.state()).isEqualTo(ONGOING);
        assertThat(txn.txnStartTimestamp()).isEqualTo(30);
        TransactionMetadata more = ongoing(txn, 40, B);
        assertThat(more.partitions()).containsExactly(A, B);
        assertThat(more.txnStartTimestamp()).isEqualTo(30);
        assertThat(TransactionStateMachine.addPartitions(more, 1000, (short) 0, Set.of(A), 50))
                .isEqualTo(TxnDecision.reply(Errors.NONE));
    }

    @Test
    void producerChecksComeFirst() {
        TransactionMetadata txn = ongoing(initialised(), 30, A);
        assertThat(TransactionStateMachine.addPartitions(null, 1000, (short) 0, Set.of(A), 0).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(TransactionStateMachine.addPartitions(txn, 999, (short) 0, Set.of(A), 0).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(TransactionStateMachine.addPartitions(txn, 1000, (short) 3, Set.of(A), 0).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(TransactionStateMachine.endTxn(txn, 1000, (short) 3, true, 0).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void endTxnPreparesThenCompletesAndRetriesAreIdempotent() {
        TransactionMetadata txn = ongoing(initialised(), 30, A);
        TxnDecision prepare = TransactionStateMachine.endTxn(txn, 1000, (short) 0, true, 40);
        assertThat(prepare.kind()).isEqualTo(TxnDecision.Kind.PERSIST_THEN_COMPLETE);
        assertThat(prepare.error()).isEqualTo(Errors.NONE);
        assertThat(prepare.next().state()).isEqualTo(PREPARE_COMMIT);
        assertThat(prepare.next().partitions()).containsExactly(A);

        TransactionMetadata preparing = prepare.next();
        assertThat(TransactionStateMachine.endTxn(preparing, 1000, (short) 0, true, 41).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(TransactionStateMachine.endTxn(preparing, 1000, (short) 0, false, 41).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(TransactionStateMachine.addPartitions(preparing, 1000, (short) 0, Set.of(B), 41).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        TransactionMetadata done = TransactionStateMachine.complete(preparing, 50);
        assertThat(done.state()).isEqualTo(COMPLETE_COMMIT);
        assertThat(TransactionStateMachine.endTxn(done, 1000, (short) 0, true, 51)).isEqualTo(TxnDecision.reply(Errors.NONE));
        assertThat(TransactionStateMachine.endTxn(done, 1000, (short) 0, false, 51).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        // A new transaction restarts the clock.
        assertThat(ongoing(done, 60, B).txnStartTimestamp()).isEqualTo(60);
    }

    @Test
    void endTxnWithoutATransactionIsInvalid() {
        assertThat(TransactionStateMachine.endTxn(initialised(), 1000, (short) 0, false, 40).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void illegalTransitionsAreRefused() {
        TransactionMetadata empty = initialised();
        assertThatThrownBy(() -> empty.transitionTo(PREPARE_COMMIT, Set.of(), -1, 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Empty -> PrepareCommit");
        assertThatThrownBy(() -> TransactionStateMachine.complete(empty, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(ONGOING.canTransitionTo(COMPLETE_COMMIT)).isFalse();
        assertThat(PREPARE_ABORT.canTransitionTo(COMPLETE_ABORT)).isTrue();
        assertThat(PREPARE_ABORT.canTransitionTo(COMPLETE_COMMIT)).isFalse();
        assertThat(COMPLETE_ABORT.canTransitionTo(ONGOING)).isTrue();
    }

    @Test
    void timedOutSelectsOnlyOngoingTransactionsPastTheirTimeout() {
        TransactionMetadata fresh = ongoing(initialised(), 1_000, A);
        TransactionMetadata old = new TransactionMetadata("u", 5, -1, (short) 0, (short) -1, 100, ONGOING, Set.of(A),
                500, 500);
        TransactionMetadata preparing = new TransactionMetadata("v", 6, -1, (short) 0, (short) -1, 100,
                PREPARE_COMMIT, Set.of(A), 100, 100);
        assertThat(TransactionFilter.timedOut(java.util.List.of(fresh, old, preparing), 1_000)).containsExactly(old);
        assertThat(TransactionFilter.timedOut(java.util.List.of(fresh, old, preparing), 61_001))
                .containsExactly(old, fresh);
    }

    @Test
    void listFiltersCombine() {
        TransactionMetadata t = ongoing(initialised(), 1_000, A);
        assertThat(TransactionFilter.ALL.matches(t, 0)).isTrue();
        assertThat(new TransactionFilter(Set.of(ONGOING), Set.of(1000L), 500, java.util.regex.Pattern.compile("t"))
                .matches(t, 2_000)).isTrue();
        assertThat(new TransactionFilter(Set.of(EMPTY), Set.of(), -1, null).matches(t, 2_000)).isFalse();
        assertThat(new TransactionFilter(Set.of(), Set.of(1L), -1, null).matches(t, 2_000)).isFalse();
        assertThat(new TransactionFilter(Set.of(), Set.of(), 5_000, null).matches(t, 2_000)).isFalse();
        assertThat(new TransactionFilter(Set.of(), Set.of(), -1, java.util.regex.Pattern.compile("x.*"))
                .matches(t, 2_000)).isFalse();
    }
}
