package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerSnapshotFilesTest {

    @TempDir
    Path dir;

    private void snapshotAt(long offset) throws IOException {
        ProducerStateTable table = new ProducerStateTable();
        table.recordAppend(offset, (short) 0, 0, 0, offset, offset, 0, false);
        ProducerStateSnapshot.write(ProducerSnapshotFiles.path(dir, offset), offset, table);
    }

    @Test
    void namesAreTwentyDigitOffsets() {
        assertThat(ProducerSnapshotFiles.fileName(42)).isEqualTo("00000000000000000042.snapshot");
        assertThat(ProducerSnapshotFiles.offsetOf(Path.of("00000000000000000042.snapshot"))).hasValue(42);
        assertThat(ProducerSnapshotFiles.offsetOf(Path.of("00000000000000000042.snapshot.tmp"))).isEmpty();
        assertThat(ProducerSnapshotFiles.offsetOf(Path.of("0000000000000000004x.snapshot"))).isEmpty();
        assertThat(ProducerSnapshotFiles.offsetOf(Path.of("00000000000000000042.log"))).isEmpty();
    }

    @Test
    void listingIsNumericAndIgnoresOtherFiles() throws IOException {
        snapshotAt(1_000);
        snapshotAt(20);
        snapshotAt(300);
        Files.createFile(dir.resolve("00000000000000000500.snapshot.tmp"));
        Files.createFile(dir.resolve("00000000000000000000.log"));

        assertThat(ProducerSnapshotFiles.list(dir)).containsExactly(20L, 300L, 1_000L);
    }

    @Test
    void theLatestSnapshotAtOrBelowAnOffsetIsChosen() throws IOException {
        snapshotAt(20);
        snapshotAt(300);
        snapshotAt(1_000);

        assertThat(ProducerSnapshotFiles.latestAtOrBelow(dir, 300)).contains(ProducerSnapshotFiles.path(dir, 300));
        assertThat(ProducerSnapshotFiles.latestAtOrBelow(dir, 999)).contains(ProducerSnapshotFiles.path(dir, 300));
        assertThat(ProducerSnapshotFiles.latestAtOrBelow(dir, 5_000)).contains(ProducerSnapshotFiles.path(dir, 1_000));
        assertThat(ProducerSnapshotFiles.latestAtOrBelow(dir, 19)).isEmpty();
    }

    @Test
    void loadingFallsBackPastACorruptSnapshotAndDeletesIt() throws IOException {
        snapshotAt(20);
        snapshotAt(300);
        Path corrupt = ProducerSnapshotFiles.path(dir, 300);
        byte[] bytes = Files.readAllBytes(corrupt);
        Files.write(corrupt, Arrays.copyOf(bytes, bytes.length - 3));

        ProducerStateSnapshot loaded = ProducerSnapshotFiles.loadLatest(dir, 1_000).orElseThrow();

        assertThat(loaded.offset()).isEqualTo(20);
        assertThat(loaded.producers()).extracting(ProducerState::producerId).containsExactly(20L);
        assertThat(corrupt).doesNotExist();
    }

    @Test
    void loadingWithNoUsableSnapshotIsEmpty() throws IOException {
        snapshotAt(300);

        assertThat(ProducerSnapshotFiles.loadLatest(dir, 299)).isEmpty();
        Files.write(ProducerSnapshotFiles.path(dir, 300), new byte[0]);
        assertThat(ProducerSnapshotFiles.loadLatest(dir, 300)).isEmpty();
    }

    @Test
    void olderAndNewerSnapshotsCanBeDeleted() throws IOException {
        for (long offset : List.of(20L, 300L, 1_000L, 4_000L)) {
            snapshotAt(offset);
        }

        assertThat(ProducerSnapshotFiles.deleteBelow(dir, 300)).isEqualTo(1);
        assertThat(ProducerSnapshotFiles.deleteAbove(dir, 1_000)).isEqualTo(1);

        assertThat(ProducerSnapshotFiles.list(dir)).containsExactly(300L, 1_000L);
    }

    @Test
    void strayTemporaryFilesAreDeleted() throws IOException {
        snapshotAt(20);
        Path tmp = Files.createFile(dir.resolve("00000000000000000500.snapshot.tmp"));

        ProducerSnapshotFiles.deleteStrayTempFiles(dir);

        assertThat(tmp).doesNotExist();
        assertThat(ProducerSnapshotFiles.list(dir)).containsExactly(20L);
    }
}
