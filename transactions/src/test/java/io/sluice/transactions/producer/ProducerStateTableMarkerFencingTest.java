package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.transactions.producer.AppendVerdict.Outcome;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Markers are fenced by the coordinator epoch of the producer's last marker (Kafka's checkCoordinatorEpoch). */
class ProducerStateTableMarkerFencingTest {

    private static final long PID = 7L;
    private static final short EPOCH = 3;

    private final ProducerStateTable table = new ProducerStateTable();

    private void transaction(int seq, long offset, int coordinatorEpoch) {
        table.recordAppend(PID, EPOCH, seq, seq, offset, offset, 1_000 + offset, true);
        assertThat(table.checkMarker(PID, EPOCH, coordinatorEpoch).outcome()).isEqualTo(Outcome.ACCEPT);
        table.recordMarker(PID, EPOCH, coordinatorEpoch, offset + 1, true, 1_001 + offset);
    }

    @Test
    void aMarkerFromAnOlderCoordinatorIsFenced() {
        transaction(0, 10, 5);
        table.recordAppend(PID, EPOCH, 1, 1, 12, 12, 2_000, true);

        AppendVerdict stale = table.checkMarker(PID, EPOCH, 4);

        assertThat(stale.outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
        assertThat(stale.error()).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
        assertThat(stale.reason()).contains("coordinator epoch 4").contains("5");
        assertThat(table.checkMarker(PID, EPOCH, 5).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.checkMarker(PID, EPOCH, 6).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void aNewerCoordinatorRaisesTheBar() {
        transaction(0, 10, 5);
        transaction(1, 12, 8);

        assertThat(table.checkMarker(PID, EPOCH, 7).outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
        assertThat(table.producers()).singleElement()
                .extracting(ProducerSnapshotEntry::coordinatorEpoch).isEqualTo(8);
        assertThat(table.producer(PID).orElseThrow().coordinatorEpoch()).isEqualTo(8);
    }

    @Test
    void anOlderProducerEpochIsReportedBeforeTheCoordinatorEpoch() {
        transaction(0, 10, 5);

        assertThat(table.checkMarker(PID, (short) (EPOCH - 1), 9).outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(table.checkMarker(PID, (short) (EPOCH + 1), 4).outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
    }

    @Test
    void dataBatchesDoNotCareAboutCoordinatorEpochs() {
        transaction(0, 10, 5);

        assertThat(table.check(PID, EPOCH, 1, 1, true).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void aProducerKnownOnlyFromAMarkerIsFencedToo() {
        assertThat(table.checkMarker(PID, EPOCH, 2).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.recordMarker(PID, EPOCH, 2, 40, false, 5_000)).isEmpty();

        assertThat(table.checkMarker(PID, EPOCH, 1).outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
        assertThat(table.checkMarker(PID, (short) (EPOCH - 1), 2).outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(table.producers()).containsExactly(new ProducerSnapshotEntry(PID, EPOCH, -1, 5_000, 2, -1));
        // The marker settled the epoch, so its sequences start over, as after a coordinator's epoch bump.
        assertThat(table.check(PID, EPOCH, 5, 5, true).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(table.check(PID, EPOCH, 0, 0, true).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.firstUnstableOffset()).isEmpty();
    }

    @Test
    void anUnknownProducersMarkerIsNotFenced() {
        assertThat(table.checkMarker(PID, EPOCH, -1).outcome()).isEqualTo(Outcome.ACCEPT);
    }

    @Test
    void replayRecordsTheCoordinatorEpochAsWritten() {
        // What a follower or a recovery sees is what a leader accepted; it mirrors it rather than judging.
        transaction(0, 10, 5);
        table.recordMarker(PID, EPOCH, 4, 12, false, 3_000);

        assertThat(table.producer(PID).orElseThrow().coordinatorEpoch()).isEqualTo(4);
    }

    @Test
    void forgettingAnIdleProducerForgetsItsCoordinatorEpoch() {
        transaction(0, 10, 5);

        table.removeExpired(1_000_000, 10_000);

        assertThat(table.checkMarker(PID, EPOCH, 0).outcome()).isEqualTo(Outcome.ACCEPT);
    }
}
