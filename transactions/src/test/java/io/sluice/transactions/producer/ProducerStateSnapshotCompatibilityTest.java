package io.sluice.transactions.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transactions.producer.AppendVerdict.Outcome;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots written before the coordinator epoch was stored (version 1) still load. The old files are
 * built here byte by byte from the documented layout, not with the current writer, so that a change
 * to the writer cannot make the old format pass by accident.
 */
class ProducerStateSnapshotCompatibilityTest {

    @TempDir
    Path dir;

    /** Producer 1: idempotent, two batches. Producer 2: an open transaction after an abort marker. */
    private static final List<ProducerState> PRODUCERS = List.of(
            new ProducerState(1L, (short) 4, List.of(new BatchMetadata(0, 9, 100, 109, 5_000),
                    new BatchMetadata(10, 19, 110, 119, 5_001)), 5_001, -1, -1, -1, -1),
            new ProducerState(2L, (short) 1, List.of(new BatchMetadata(0, 0, 130, 130, 6_000)), 6_000, 130, 6_000,
                    125, -1));

    private static byte[] file(short version, long offset, List<ProducerState> producers, boolean coordinatorEpoch) {
        ByteBuffer body = ByteBuffer.allocate(4096);
        body.putLong(offset).putInt(producers.size());
        for (ProducerState p : producers) {
            body.putLong(p.producerId()).putShort(p.epoch()).putLong(p.lastTimestamp())
                    .putLong(p.currentTxnFirstOffset()).putLong(p.currentTxnStartTimestamp())
                    .putLong(p.lastMarkerOffset());
            if (coordinatorEpoch) {
                body.putInt(p.coordinatorEpoch());
            }
            body.put((byte) p.batches().size());
            for (BatchMetadata b : p.batches()) {
                body.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset())
                        .putLong(b.timestamp());
            }
        }
        body.flip();
        ByteBuffer covered = ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body);
        CRC32C crc = new CRC32C();
        crc.update(covered.array());
        return ByteBuffer.allocate(2 + 4 + covered.capacity()).putShort(version).putInt((int) crc.getValue())
                .put(covered.array()).array();
    }

    private Path write(byte[] bytes) throws IOException {
        Path path = ProducerSnapshotFiles.path(dir, 200);
        Files.write(path, bytes);
        return path;
    }

    @Test
    void aVersion1SnapshotLoadsWithoutCoordinatorEpochs() throws IOException {
        Path path = write(file((short) 1, 200, PRODUCERS, false));

        ProducerStateSnapshot snapshot = ProducerStateSnapshot.read(path);

        assertThat(snapshot.offset()).isEqualTo(200);
        assertThat(snapshot.producers()).containsExactlyElementsOf(PRODUCERS);
    }

    @Test
    void aTableFromAVersion1SnapshotBehavesAsBeforeAndStartsFencingAtTheNextMarker() throws IOException {
        ProducerStateTable table = ProducerStateTable.fromSnapshot(
                ProducerStateSnapshot.read(write(file((short) 1, 200, PRODUCERS, false))));

        assertThat(table.check(1L, (short) 4, 10, 19, false).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(table.check(1L, (short) 4, 20, 29, false).outcome()).isEqualTo(Outcome.ACCEPT);
        assertThat(table.firstUnstableOffset()).hasValue(130);
        assertThat(table.checkMarker(2L, (short) 1, 0).outcome()).isEqualTo(Outcome.ACCEPT);

        table.recordMarker(2L, (short) 1, 6, 201, true, 7_000);

        assertThat(table.checkMarker(2L, (short) 1, 5).outcome()).isEqualTo(Outcome.COORDINATOR_FENCED);
    }

    @Test
    void aVersion1SnapshotIsRewrittenInTheCurrentVersion() throws IOException {
        ProducerStateTable table = ProducerStateTable.fromSnapshot(
                ProducerStateSnapshot.read(write(file((short) 1, 200, PRODUCERS, false))));
        table.recordMarker(2L, (short) 1, 6, 201, true, 7_000);
        Path next = ProducerSnapshotFiles.path(dir, 202);

        ProducerStateSnapshot.write(next, 202, table);

        byte[] bytes = Files.readAllBytes(next);
        assertThat(ByteBuffer.wrap(bytes).getShort()).isEqualTo(ProducerStateSnapshot.VERSION);
        assertThat(ProducerStateSnapshot.read(next).producers()).filteredOn(p -> p.producerId() == 2L)
                .singleElement().extracting(ProducerState::coordinatorEpoch).isEqualTo(6);
    }

    @Test
    void theCurrentVersionIsTheDocumentedLayout() throws IOException {
        List<ProducerState> withEpochs = List.of(
                new ProducerState(2L, (short) 1, List.of(new BatchMetadata(0, 0, 130, 130, 6_000)), 6_000, 130,
                        6_000, 125, 9));
        Path path = write(file(ProducerStateSnapshot.VERSION, 200, withEpochs, true));

        assertThat(ProducerStateSnapshot.read(path).producers()).containsExactlyElementsOf(withEpochs);
    }

    @Test
    void aVersion1BodyLabelledVersion2IsRefused() throws IOException {
        Path path = write(file((short) 2, 200, PRODUCERS, false));

        assertThatThrownBy(() -> ProducerStateSnapshot.read(path)).isInstanceOf(CorruptSnapshotException.class);
    }

    @Test
    void anUnknownVersionIsRefusedLikeACorruptFile() throws IOException {
        Path path = write(file((short) 3, 200, PRODUCERS, true));

        assertThatThrownBy(() -> ProducerStateSnapshot.read(path)).isInstanceOf(CorruptSnapshotException.class)
                .hasMessageContaining("version 3");
    }
}
