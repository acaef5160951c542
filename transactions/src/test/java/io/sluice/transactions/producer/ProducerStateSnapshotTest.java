package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transactions.producer.AppendVerdict.Outcome;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerStateSnapshotTest {

    @TempDir
    Path dir;

    private static ProducerStateTable populatedTable() {
        ProducerStateTable table = new ProducerStateTable();
        for (int n = 0; n < 7; n++) {
            table.recordAppend(1L, (short) 2, 10 * n, 10 * n + 9, 100L * n, 100L * n + 9, 5_000 + n, false);
        }
        table.recordAppend(2L, (short) 0, 0, 0, 800, 800, 6_000, true);
        table.recordAppend(3L, (short) 7, 0, 3, 801, 804, 6_001, true);
        table.recordMarker(3L, (short) 8, 4, 805, false, 6_002);
        table.recordAppend(4L, (short) 1, Integer.MAX_VALUE - 1, 1, 806, 809, 6_003, true);
        return table;
    }

    private static List<ProducerState> sorted(List<ProducerState> states) {
        return states.stream().sorted(Comparator.comparingLong(ProducerState::producerId)).toList();
    }

    @Test
    void roundTripKeepsEveryProducerAndTransaction() throws IOException {
        ProducerStateTable table = populatedTable();
        Path file = ProducerSnapshotFiles.path(dir, 810);

        ProducerStateSnapshot.write(file, 810, table);
        ProducerStateSnapshot read = ProducerStateSnapshot.read(file);

        assertThat(read.offset()).isEqualTo(810);
        assertThat(sorted(read.producers())).isEqualTo(sorted(table.state())).hasSize(4);
        assertThat(read.producers()).filteredOn(p -> p.producerId() == 1L).singleElement()
                .satisfies(p -> assertThat(p.batches()).hasSize(ProducerStateTable.RETAINED_BATCHES));
        assertThat(read.producers()).filteredOn(p -> p.producerId() == 3L).singleElement()
                .extracting(ProducerState::coordinatorEpoch).isEqualTo(4);
    }

    @Test
    void snapshotsAreWrittenInTheCurrentVersion() throws IOException {
        Path file = ProducerSnapshotFiles.path(dir, 810);

        ProducerStateSnapshot.write(file, 810, populatedTable());

        assertThat(ByteBuffer.wrap(Files.readAllBytes(file)).getShort()).isEqualTo(ProducerStateSnapshot.VERSION);
    }

    @Test
    void aReloadedTableBehavesLikeTheOriginal() throws IOException {
        ProducerStateTable original = populatedTable();
        Path file = ProducerSnapshotFiles.path(dir, 810);
        ProducerStateSnapshot.write(file, 810, original);

        ProducerStateTable reloaded = ProducerStateTable.fromSnapshot(ProducerStateSnapshot.read(file));

        assertThat(reloaded.firstUnstableOffset()).isEqualTo(original.firstUnstableOffset()).hasValue(800);
        assertThat(reloaded.openTransactions()).isEqualTo(original.openTransactions()).hasSize(2);
        AppendVerdict duplicate = reloaded.check(1L, (short) 2, 20, 29, false);
        assertThat(duplicate.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(duplicate.duplicateFirstOffset()).isEqualTo(200);
        assertThat(reloaded.check(1L, (short) 2, 70, 70, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(reloaded.checkMarker(3L, (short) 7, 4).outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(reloaded.checkMarker(3L, (short) 8, 3).outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
        assertThat(reloaded.checkMarker(3L, (short) 8, 4).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(reloaded.check(4L, (short) 1, 2, 2, true).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(reloaded.recordMarker(2L, (short) 0, 0, 811, true, 7_000))
                .contains(new CompletedTxn(2L, 800, 811, false));
    }

    @Test
    void reloadReplacesWhatTheTableHeld() throws IOException {
        Path file = ProducerSnapshotFiles.path(dir, 0);
        ProducerStateSnapshot.write(file, 0, new ProducerStateTable());
        ProducerStateTable table = populatedTable();

        table.reloadFrom(ProducerStateSnapshot.read(file));

        assertThat(table.producerCount()).isZero();
        assertThat(table.firstUnstableOffset()).isEmpty();
    }

    @Test
    void everyFlippedByteIsDetected() throws IOException {
        Path file = ProducerSnapshotFiles.path(dir, 810);
        ProducerStateSnapshot.write(file, 810, populatedTable());
        byte[] good = Files.readAllBytes(file);

        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(file, bad);
            assertThatThrownBy(() -> ProducerStateSnapshot.read(file)).as("byte %d", i)
                    .isInstanceOf(CorruptSnapshotException.class);
        }
    }

    @Test
    void everyTruncationIsDetected() throws IOException {
        Path file = ProducerSnapshotFiles.path(dir, 810);
        ProducerStateSnapshot.write(file, 810, populatedTable());
        byte[] good = Files.readAllBytes(file);

        for (int length = 0; length < good.length; length++) {
            Files.write(file, Arrays.copyOf(good, length));
            assertThatThrownBy(() -> ProducerStateSnapshot.read(file)).as("length %d", length)
                    .isInstanceOf(CorruptSnapshotException.class)
                    .satisfies(e -> assertThat(((CorruptSnapshotException) e).file()).isEqualTo(file));
        }
    }

    @Test
    void writingReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = ProducerSnapshotFiles.path(dir, 810);
        Files.write(file, new byte[] {1, 2, 3});

        ProducerStateSnapshot.write(file, 810, populatedTable());

        assertThat(ProducerStateSnapshot.read(file).producers()).hasSize(4);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }
}
