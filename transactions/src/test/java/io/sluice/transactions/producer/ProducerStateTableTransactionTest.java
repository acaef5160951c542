package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.transactions.producer.AppendVerdict.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ProducerStateTableTransactionTest {

    private static final short EPOCH = 0;

    private final ProducerStateTable table = new ProducerStateTable();

    private void txnBatch(long producerId, int firstSeq, long offset) {
        assertThat(table.check(producerId, EPOCH, firstSeq, firstSeq, true).outcome()).isEqualTo(Outcome.ACCEPT);
        table.recordAppend(producerId, EPOCH, firstSeq, firstSeq, offset, offset, 1_000 + offset, true);
    }

    @Test
    void theFirstTransactionalBatchOpensTheTransaction() {
        assertThat(table.firstUnstableOffset()).isEmpty();

        txnBatch(1L, 0, 10);
        txnBatch(1L, 1, 11);

        assertThat(table.firstUnstableOffset()).hasValue(10);
        assertThat(table.openTransactions()).containsExactly(new OpenTxn(1L, EPOCH, 10, 1_010));
        assertThat(table.producers()).extracting(ProducerSnapshotEntry::currentTxnStartOffset).containsExactly(10L);
    }

    @Test
    void commitClosesTheTransactionAndReportsItsRange() {
        txnBatch(1L, 0, 10);
        txnBatch(1L, 1, 11);

        assertThat(table.checkMarker(1L, EPOCH, 0).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.recordMarker(1L, EPOCH, 0, 12, true, 2_000)).contains(new CompletedTxn(1L, 10, 12, false));

        assertThat(table.firstUnstableOffset()).isEmpty();
        assertThat(table.openTransactions()).isEmpty();
        assertThat(table.check(1L, EPOCH, 2, 2, true).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void abortReportsAnAbortedTransaction() {
        txnBatch(1L, 0, 10);

        assertThat(table.recordMarker(1L, EPOCH, 0, 11, false, 2_000)).contains(new CompletedTxn(1L, 10, 11, true));
    }

    @Test
    void aMarkerWithoutAnOpenTransactionCompletesNothing() {
        assertThat(table.recordMarker(9L, EPOCH, 0, 5, true, 0)).isEmpty();
        assertThat(table.firstUnstableOffset()).isEmpty();
        txnBatch(1L, 0, 10);
        table.recordMarker(1L, EPOCH, 0, 11, true, 2_000);

        assertThat(table.recordMarker(1L, EPOCH, 0, 12, false, 2_001)).isEmpty();
    }

    @Test
    void theNextTransactionOpensAtItsOwnFirstBatch() {
        txnBatch(1L, 0, 10);
        table.recordMarker(1L, EPOCH, 0, 11, true, 2_000);
        txnBatch(1L, 1, 20);

        assertThat(table.firstUnstableOffset()).hasValue(20);
    }

    @Test
    void interleavedProducersKeepTheSmallestFirstOffsetUnstable() {
        txnBatch(1L, 0, 10);
        txnBatch(2L, 0, 11);
        txnBatch(3L, 0, 12);
        txnBatch(1L, 1, 13);
        txnBatch(2L, 1, 14);

        assertThat(table.firstUnstableOffset()).hasValue(10);
        assertThat(table.openTransactions()).extracting(OpenTxn::firstOffset).containsExactly(10L, 11L, 12L);

        assertThat(table.recordMarker(2L, EPOCH, 0, 15, false, 0)).contains(new CompletedTxn(2L, 11, 15, true));
        assertThat(table.firstUnstableOffset()).hasValue(10);

        assertThat(table.recordMarker(1L, EPOCH, 0, 16, true, 0)).contains(new CompletedTxn(1L, 10, 16, false));
        assertThat(table.firstUnstableOffset()).hasValue(12);

        table.recordMarker(3L, EPOCH, 0, 17, true, 0);
        assertThat(table.firstUnstableOffset()).isEmpty();
    }

    @Test
    void aNonTransactionalWriteDuringAnOpenTransactionIsRejected() {
        txnBatch(1L, 0, 10);

        AppendVerdict verdict = table.check(1L, EPOCH, 1, 1, false);

        assertThat(verdict.outcome()).isEqualTo(Outcome.INVALID_TXN_STATE);
        assertThat(verdict.error()).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void anAbortMarkerWithABumpedEpochFencesTheOldEpochAndRestartsSequences() {
        txnBatch(1L, 0, 10);
        txnBatch(1L, 1, 11);
        short bumped = EPOCH + 1;

        assertThat(table.checkMarker(1L, bumped, 0).outcome()).isEqualTo(Outcome.ACCEPT);
        table.recordMarker(1L, bumped, 0, 12, false, 2_000);

        assertThat(table.check(1L, EPOCH, 2, 2, true).outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(table.check(1L, bumped, 2, 2, true).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(1L, bumped, 0, 0, true).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void expiryKeepsProducersWithAnOpenTransaction() {
        txnBatch(1L, 0, 10);
        table.recordAppend(2L, EPOCH, 0, 0, 11, 11, 1_000, false);

        table.removeExpired(1_000_000, 10_000);

        assertThat(table.producers()).extracting(ProducerSnapshotEntry::producerId).containsExactly(1L);
        assertThat(table.firstUnstableOffset()).hasValue(10);

        table.recordMarker(1L, EPOCH, 0, 12, true, 2_000);
        table.removeExpired(1_000_000, 10_000);
        assertThat(table.producerCount()).isZero();
    }

    @Test
    void truncationBelowATransactionsStartDropsIt() {
        txnBatch(1L, 0, 10);
        txnBatch(2L, 0, 20);

        assertThat(table.truncateTo(15)).isTrue();

        assertThat(table.firstUnstableOffset()).hasValue(10);
        assertThat(table.openTransactions()).extracting(OpenTxn::producerId).containsExactly(1L);
    }

    @Test
    void truncationThroughAMarkerAsksForAReload() {
        txnBatch(1L, 0, 10);
        table.recordMarker(1L, EPOCH, 0, 11, true, 2_000);

        assertThat(table.truncateTo(11)).isFalse();
    }

    @Test
    void truncationThatEmptiesAProducerWithAnOpenTransactionAsksForAReload() {
        txnBatch(1L, 0, 10);
        for (int seq = 1; seq <= 5; seq++) {
            txnBatch(1L, seq, 10 + seq);
        }

        assertThat(table.truncateTo(11)).isFalse();
    }

    @Test
    void firstUnstableOffsetIsReadableWhileAnotherThreadAppends() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<Long> seen = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                OptionalLong offset = table.firstUnstableOffset();
                if (offset.isPresent()) {
                    synchronized (seen) {
                        seen.add(offset.getAsLong());
                    }
                }
            }
        });
        reader.start();
        for (long i = 0; i < 20_000; i++) {
            table.recordAppend(1L, EPOCH, (int) (2 * i), (int) (2 * i), 2 * i, 2 * i, i, true);
            table.recordMarker(1L, EPOCH, 0, 2 * i + 1, true, i);
        }
        done.set(true);
        reader.join();

        assertThat(table.firstUnstableOffset()).isEmpty();
        synchronized (seen) {
            assertThat(seen).allMatch(offset -> offset % 2 == 0);
        }
    }
}
