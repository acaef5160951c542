package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transactions.producer.AppendVerdict.Outcome;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ProducerStateTableSequenceTest {

    private static final long PID = 1000L;
    private static final short EPOCH = 3;

    private final ProducerStateTable table = new ProducerStateTable();

    /** Appends batch n of 10 records: sequences 10n..10n+9 at offsets 100n..100n+9. */
    private void appendBatch(int n) {
        int firstSeq = 10 * n;
        AppendVerdict verdict = table.check(PID, EPOCH, firstSeq, firstSeq + 9, false);
        assertThat(verdict.outcome()).as("batch %d", n).isEqualTo(Outcome.ACCEPT);
        table.recordAppend(PID, EPOCH, firstSeq, firstSeq + 9, 100L * n, 100L * n + 9, 1_000L + n, false);
    }

    @Test
    void eachOfTheLastFiveBatchesIsADuplicateWithItsOriginalOffsets() {
        for (int n = 0; n < 8; n++) {
            appendBatch(n);
        }
        for (int n = 3; n < 8; n++) {
            AppendVerdict verdict = table.check(PID, EPOCH, 10 * n, 10 * n + 9, false);
            assertThat(verdict.outcome()).as("batch %d", n).isEqualTo(Outcome.DUPLICATE);
            assertThat(verdict.duplicateFirstOffset()).isEqualTo(100L * n);
            assertThat(verdict.duplicateLastOffset()).isEqualTo(100L * n + 9);
            assertThat(verdict.error()).isEqualTo(Errors.NONE);
        }
    }

    @Test
    void theSixthOldestBatchIsNoLongerADuplicateButOutOfOrder() {
        for (int n = 0; n < 8; n++) {
            appendBatch(n);
        }
        AppendVerdict verdict = table.check(PID, EPOCH, 20, 29, false);

        assertThat(verdict.outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(verdict.duplicateFirstOffset()).isEqualTo(-1);
        assertThat(verdict.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void aRetryWithDifferentSequenceBoundsIsNotADuplicate() {
        appendBatch(0);
        appendBatch(1);

        assertThat(table.check(PID, EPOCH, 10, 14, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void theNextSequenceIsAcceptedAndGapsAreOutOfOrder() {
        appendBatch(0);

        assertThat(table.check(PID, EPOCH, 10, 19, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, 11, 19, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(PID, EPOCH, 30, 39, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(PID, EPOCH, 5, 9, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void aLowerEpochIsRejectedForDataAndMarkers() {
        appendBatch(0);

        AppendVerdict data = table.check(PID, (short) (EPOCH - 1), 10, 19, false);
        AppendVerdict marker = table.checkMarker(PID, (short) (EPOCH - 1), 0);

        assertThat(data.outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(data.currentEpoch()).isEqualTo(EPOCH);
        assertThat(data.error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(marker.outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void recordingAnOlderEpochThanKnownIsAProgrammingError() {
        appendBatch(0);

        assertThatThrownBy(() -> table.recordAppend(PID, (short) (EPOCH - 1), 0, 0, 500, 500, 0, false))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anEpochBumpMustStartAtSequenceZero() {
        appendBatch(0);
        short next = EPOCH + 1;

        assertThat(table.check(PID, next, 5, 9, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(PID, next, 0, 4, false).outcome()).isEqualTo(Outcome.ACCEPT);

        table.recordAppend(PID, next, 0, 4, 200, 204, 2_000, false);
        assertThat(table.check(PID, EPOCH, 10, 19, false).outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(table.check(PID, next, 0, 4, false).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(table.check(PID, next, 5, 9, false).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void anEpochBumpForgetsTheOldEpochsBatches() {
        appendBatch(0);
        table.recordAppend(PID, (short) (EPOCH + 1), 0, 9, 200, 209, 2_000, false);

        assertThat(table.producer(PID).orElseThrow().batches())
                .containsExactly(new BatchMetadata(0, 9, 200, 209, 2_000));
    }

    @Test
    void anUnknownProducerIsAcceptedAtAnySequence() {
        AppendVerdict verdict = table.check(PID, EPOCH, 42, 50, false);

        assertThat(verdict.outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(verdict.currentEpoch()).isEqualTo((short) -1);

        table.recordAppend(PID, EPOCH, 42, 50, 0, 8, 1_000, false);
        assertThat(table.check(PID, EPOCH, 51, 51, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, 52, 52, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void sequencesWrapFromMaxValueToZero() {
        int max = Integer.MAX_VALUE;
        table.recordAppend(PID, EPOCH, max - 4, max, 0, 4, 1_000, false);

        assertThat(table.check(PID, EPOCH, 0, 9, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, max, 0, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(PID, EPOCH, 1, 9, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);

        table.recordAppend(PID, EPOCH, 0, 9, 5, 14, 1_001, false);
        assertThat(table.check(PID, EPOCH, 10, 10, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, max - 4, max, false).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void aBatchThatWrapsInsideItselfIsFollowedByItsLastSequencePlusOne() {
        int max = Integer.MAX_VALUE;
        table.recordAppend(PID, EPOCH, max - 1, 2, 0, 4, 1_000, false);

        assertThat(table.check(PID, EPOCH, 3, 5, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, max - 1, 2, false).duplicateFirstOffset()).isEqualTo(0);
    }

    @Test
    void markersCarryNoSequenceAndMayCarryANewerEpoch() {
        appendBatch(0);

        assertThat(table.checkMarker(PID, EPOCH, 0).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.checkMarker(PID, (short) (EPOCH + 1), 0).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void aDataBatchWithoutSequenceIsRejected() {
        appendBatch(0);

        assertThat(table.check(PID, EPOCH, -1, -1, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void producersAreIndependent() {
        appendBatch(0);
        table.recordAppend(7L, (short) 0, 0, 0, 10, 10, 1_000, false);

        assertThat(table.check(7L, (short) 0, 1, 1, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(PID, EPOCH, 10, 19, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.check(7L, (short) 0, 10, 19, false).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void describeProducersReportsLastSequenceAndTimestamp() {
        appendBatch(0);
        appendBatch(1);

        assertThat(table.producers()).containsExactly(new ProducerSnapshotEntry(PID, EPOCH, 19, 1_001, -1, -1));
    }

    @Test
    void expiryDropsIdleProducers() {
        table.recordAppend(1L, (short) 0, 0, 0, 0, 0, 1_000, false);
        table.recordAppend(2L, (short) 0, 0, 0, 1, 1, 5_000, false);

        table.removeExpired(11_000, 10_000);

        assertThat(table.producers()).extracting(ProducerSnapshotEntry::producerId).containsExactly(2L);
        assertThat(table.check(1L, (short) 0, 42, 42, false).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void truncationDropsBatchesAtOrAboveTheOffset() {
        for (int n = 0; n < 4; n++) {
            appendBatch(n);
        }

        assertThat(table.truncateTo(200)).isTrue();

        assertThat(table.producer(PID).orElseThrow().batches()).extracting(BatchMetadata::firstOffset)
                .containsExactly(0L, 100L);
        assertThat(table.check(PID, EPOCH, 20, 29, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.producers()).extracting(ProducerSnapshotEntry::lastTimestamp).containsExactly(1_001L);
    }

    @Test
    void truncationBelowAllOfAProducersBatchesForgetsIt() {
        appendBatch(0);
        table.recordAppend(7L, (short) 0, 0, 0, 50, 50, 1_000, false);

        assertThat(table.truncateTo(50)).isTrue();

        assertThat(table.producers()).extracting(ProducerSnapshotEntry::producerId).containsExactly(PID);
    }

    @Test
    void clearForgetsEverything() {
        appendBatch(0);
        table.recordAppend(7L, (short) 0, 0, 0, 200, 200, 1_000, true);

        table.clear();

        assertThat(table.producerCount()).isZero();
        assertThat(table.firstUnstableOffset()).isEmpty();
    }
}
