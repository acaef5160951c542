package io.sluice.broker.log;

import io.sluice.transactions.producer.CompletedTxn;
import io.sluice.transactions.producer.ProducerSnapshotFiles;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.bytes;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotentAppendTest {
    private static final long PID = 4_000L;
    private static final long OTHER_PID = 5_000L;
    private static final String PAD = "x".repeat(60);
    private static final Map<String, String> ROLLING = Map.of("segment.bytes", "1024", "index.interval.bytes", "100");

    @TempDir
    Path root;

    private Path dir() {
        return root.resolve("t-0");
    }

    private PartitionLog open(Map<String, String> cfg, LogOptions options) {
        return PartitionLog.open(dir(), TP, config(cfg), options);
    }

    private PartitionLog open() {
        return open(Map.of(), LogOptions.defaults());
    }

    /**
     * A fresh idempotent batch: validation rewrites headers in place, so a retry needs its own copy.
     * Record times are current: like Kafka, producer expiry measures idleness from the batch timestamps,
     * and retention would delete segments of ancient records.
     */
    private static MemoryRecords idem(long pid, int epoch, int firstSeq, int count) {
        return idem(pid, epoch, firstSeq, count, System.currentTimeMillis());
    }

    private static MemoryRecords idem(long pid, int epoch, int firstSeq, int count, long timestamp) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(timestamp, bytes("k"), bytes("p" + pid + "-s" + (firstSeq + i) + PAD));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) epoch, firstSeq, records);
    }

    private static MemoryRecords txn(long pid, int epoch, int firstSeq) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) epoch, firstSeq,
                new SimpleRecord(System.currentTimeMillis(), bytes("k"), bytes("txn")));
    }

    private static MemoryRecords marker(long pid, int epoch, boolean commit) {
        return MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), pid, (short) epoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0));
    }

    private List<Long> snapshots() throws Exception {
        return ProducerSnapshotFiles.list(dir());
    }

    @Test
    void aRetriedBatchIsAckedWithItsOriginalOffsetsAndNothingIsWritten() {
        try (PartitionLog log = open()) {
            assertThat(log.append(idem(PID, 0, 0, 3), 0).firstOffset()).isZero();
            log.append(batch(1, "plain", "no producer id"), 0);
            assertThat(log.append(idem(PID, 0, 3, 2), 0).firstOffset()).isEqualTo(4);
            log.append(idem(OTHER_PID, 0, 0, 1), 0);
            long end = log.logEndOffset();
            long size = log.size();

            AppendResult first = log.append(idem(PID, 0, 0, 3), 0);
            assertThat(first.duplicate()).isTrue();
            assertThat(first.firstOffset()).isZero();
            assertThat(first.lastOffset()).isEqualTo(2);
            AppendResult second = log.append(idem(PID, 0, 3, 2), 0);
            assertThat(second.duplicate()).isTrue();
            assertThat(second.firstOffset()).isEqualTo(4);
            assertThat(second.lastOffset()).isEqualTo(5);

            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.size()).isEqualTo(size);
            assertThat(readAll(log)).hasSize(7);
            // The producer carries on where it was.
            AppendResult next = log.append(idem(PID, 0, 5, 1), 0);
            assertThat(next.duplicate()).isFalse();
            assertThat(next.firstOffset()).isEqualTo(end);
        }
    }

    @Test
    void onlyTheLastFiveBatchesAreRecognised() {
        try (PartitionLog log = open()) {
            for (int seq = 0; seq < 6; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            assertThat(log.append(idem(PID, 0, 1, 1), 0).firstOffset()).isEqualTo(1);
            // Sequence 0 fell out of the window: the broker cannot tell it from a reordering.
            assertThatThrownBy(() -> log.append(idem(PID, 0, 0, 1), 0)).isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.logEndOffset()).isEqualTo(6);
        }
    }

    @Test
    void aSequenceGapIsRefusedAndNothingIsWritten() {
        try (PartitionLog log = open()) {
            log.append(idem(PID, 0, 0, 2), 0);
            long size = log.size();
            assertThatThrownBy(() -> log.append(idem(PID, 0, 3, 1), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class)
                    .hasMessageContaining("t-0");
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.size()).isEqualTo(size);
            // A new epoch must start at sequence 0.
            assertThatThrownBy(() -> log.append(idem(PID, 1, 5, 1), 0)).isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.append(idem(PID, 1, 0, 1), 0).firstOffset()).isEqualTo(2);
        }
    }

    @Test
    void twoBatchesOfOneProducerInOneRequestMustFollowEachOther() {
        try (PartitionLog log = open()) {
            MemoryRecords gap = concat(idem(PID, 0, 0, 2), idem(PID, 0, 5, 1));
            assertThatThrownBy(() -> log.append(gap, 0)).isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.logEndOffset()).isZero();
            AppendResult ok = log.append(concat(idem(PID, 0, 0, 2), idem(PID, 0, 2, 1)), 0);
            assertThat(ok.lastOffset()).isEqualTo(2);
            assertThat(log.append(idem(PID, 0, 2, 1), 0).firstOffset()).isEqualTo(2);
        }
    }

    private static MemoryRecords concat(MemoryRecords a, MemoryRecords b) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(a.sizeInBytes() + b.sizeInBytes());
        buffer.put(a.buffer().duplicate()).put(b.buffer().duplicate()).flip();
        return MemoryRecords.readableRecords(buffer);
    }

    @Test
    void aZombieWithAnOlderEpochIsFenced() {
        try (PartitionLog log = open()) {
            log.append(idem(PID, 0, 0, 1), 0);
            log.append(idem(PID, 1, 0, 1), 0);
            assertThatThrownBy(() -> log.append(idem(PID, 0, 1, 1), 0)).isInstanceOf(InvalidProducerEpochException.class);
            assertThat(log.logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void markersCloseTransactionsAndNonTransactionalWritesInsideOneAreRefused() {
        try (PartitionLog log = open()) {
            log.append(txn(PID, 0, 0), 0);
            assertThat(log.producerState().firstUnstableOffset()).hasValue(0);
            assertThatThrownBy(() -> log.append(idem(PID, 0, 1, 1), 0)).isInstanceOf(InvalidTxnStateException.class);
            AppendResult abort = log.append(marker(PID, 0, false), 0);
            assertThat(abort.completedTxns()).containsExactly(new CompletedTxn(PID, 0, 1, true));
            assertThat(log.producerState().firstUnstableOffset()).isEmpty();
            assertThat(log.append(idem(PID, 0, 1, 1), 0).firstOffset()).isEqualTo(2);
        }
    }

    @Test
    void snapshotsAreTakenAtEveryRollAndAtClose() throws Exception {
        List<Long> bases;
        long end;
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            for (int seq = 0; seq < 40; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            bases = log.segmentBaseOffsets();
            end = log.logEndOffset();
            assertThat(bases.size()).isGreaterThan(2);
            assertThat(snapshots()).containsExactlyElementsOf(bases.subList(1, bases.size()));
        }
        List<Long> expected = new ArrayList<>(bases.subList(1, bases.size()));
        expected.add(end);
        assertThat(snapshots()).containsExactlyElementsOf(expected);
    }

    @Test
    void dedupStateSurvivesACleanRestart() throws Exception {
        long end;
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            for (int seq = 0; seq < 30; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            log.append(idem(OTHER_PID, 3, 0, 2), 0);
            end = log.logEndOffset();
        }
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(end))) {
            assertDedupStateAfterRestart(log, end);
        }
    }

    @Test
    void dedupStateSurvivesACrashByReplayingFromTheLastRollSnapshot() throws Exception {
        long end = writeThenLoseCloseSnapshot();
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            assertDedupStateAfterRestart(log, end);
        }
    }

    @Test
    void aCorruptSnapshotFallsBackToAnOlderOne() throws Exception {
        long end = writeThenLoseCloseSnapshot();
        List<Long> before = snapshots();
        long newest = before.get(before.size() - 1);
        flipByte(ProducerSnapshotFiles.path(dir(), newest), 20);
        // Recovering only the last segment: its transaction index is rebuilt from the snapshot at its base.
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withRecoveryPoint(end))) {
            assertDedupStateAfterRestart(log, end);
        }
        assertThat(snapshots()).doesNotContain(newest);
    }

    @Test
    void withEverySnapshotCorruptTheWholeLogIsReplayed() throws Exception {
        long end = writeThenLoseCloseSnapshot();
        for (long offset : snapshots()) {
            flipByte(ProducerSnapshotFiles.path(dir(), offset), 12);
        }
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            assertDedupStateAfterRestart(log, end);
        }
    }

    /** 30 batches of PID (several rolls), then OTHER_PID's batch; the close snapshot is deleted as a crash would. */
    private long writeThenLoseCloseSnapshot() throws Exception {
        long end;
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            for (int seq = 0; seq < 30; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            log.append(idem(OTHER_PID, 3, 0, 2), 0);
            end = log.logEndOffset();
            assertThat(log.numberOfSegments()).isGreaterThan(2);
        }
        Files.delete(ProducerSnapshotFiles.path(dir(), end));
        return end;
    }

    private void assertDedupStateAfterRestart(PartitionLog log, long end) {
        assertThat(log.logEndOffset()).isEqualTo(end);
        AppendResult retry = log.append(idem(PID, 0, 29, 1), 0);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.firstOffset()).isEqualTo(29);
        AppendResult older = log.append(idem(PID, 0, 25, 1), 0);
        assertThat(older.duplicate()).isTrue();
        assertThat(older.firstOffset()).isEqualTo(25);
        AppendResult other = log.append(idem(OTHER_PID, 3, 0, 2), 0);
        assertThat(other.duplicate()).isTrue();
        assertThat(other.firstOffset()).isEqualTo(30);
        assertThatThrownBy(() -> log.append(idem(PID, 0, 31, 1), 0)).isInstanceOf(OutOfOrderSequenceException.class);
        assertThatThrownBy(() -> log.append(idem(OTHER_PID, 2, 2, 1), 0))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.append(idem(PID, 0, 30, 1), 0).firstOffset()).isEqualTo(end);
    }

    @Test
    void afterRecoveryTruncatesSnapshotsAboveTheNewEndAreDropped() throws Exception {
        List<Long> bases;
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            for (int seq = 0; seq < 40; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            bases = log.segmentBaseOffsets();
        }
        // Damage the last batch of the second segment: recovery cuts it and every later segment.
        long cutAt = bases.get(2) - 1;
        Path secondLog = dir().resolve(LogSegment.fileName(bases.get(1), LogSegment.LOG));
        flipByte(secondLog, Files.size(secondLog) - 5);
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            assertThat(log.logEndOffset()).isEqualTo(cutAt);
            assertThat(snapshots()).allMatch(offset -> offset <= cutAt);
            // The lost batch was never acknowledged as far as this log knows: its retry is new data.
            AppendResult retry = log.append(idem(PID, 0, (int) cutAt, 1), 0);
            assertThat(retry.duplicate()).isFalse();
            assertThat(retry.firstOffset()).isEqualTo(cutAt);
            assertThat(log.append(idem(PID, 0, (int) cutAt - 1, 1), 0).firstOffset()).isEqualTo(cutAt - 1);
        }
    }

    @Test
    void idleProducersExpire() throws Exception {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000L);
        LogOptions options = LogOptions.defaults().withTime(time).withProducerIdExpirationMs(10_000L);
        try (PartitionLog log = open(Map.of(), options)) {
            log.append(idem(PID, 0, 0, 1, 1_000L), 0);
            log.append(idem(OTHER_PID, 0, 0, 1, 1_000L), 0);
            time.now = 1_000L + 5_000L;
            log.removeExpiredProducers();
            assertThat(log.producerState().producerCount()).isEqualTo(2);
            time.now = 1_000L + 10_000L;
            log.removeExpiredProducers();
            assertThat(log.producerState().producerCount()).isZero();
            // Forgotten, so its next batch is accepted at any sequence (KIP-360).
            assertThat(log.append(idem(PID, 0, 7, 1, time.now), 0).duplicate()).isFalse();
            assertThat(log.producerState().producerCount()).isEqualTo(1);
        }
        // Reloaded from the close snapshot, then expired at once.
        time.now = 1_000_000L;
        try (PartitionLog log = open(Map.of(), options)) {
            assertThat(log.producerState().producerCount()).isZero();
        }
    }

    @Test
    void retentionDeletesSnapshotsBelowTheOldestSegment() throws Exception {
        try (PartitionLog log = open(ROLLING, LogOptions.defaults())) {
            for (int seq = 0; seq < 40; seq++) {
                log.append(idem(PID, 0, seq, 1), 0);
            }
            List<Long> bases = log.segmentBaseOffsets();
            log.deleteRecordsBefore(bases.get(2));
            log.deleteOldSegments();
            assertThat(snapshots()).first().isEqualTo(bases.get(2));
            assertThat(log.append(idem(PID, 0, 39, 1), 0).firstOffset()).isEqualTo(39);
        }
    }

    private static void flipByte(Path file, long position) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0xFF);
        }
    }
}
