package io.sluice.broker.log;

import io.sluice.transactions.producer.ProducerSnapshotFiles;
import io.sluice.transactions.producer.ProducerState;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.bytes;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A partition refuses commit/abort markers from a transaction coordinator older than the producer's last one. */
class MarkerFencingLogTest {
    private static final long PID = 4_000L;
    private static final short EPOCH = 2;

    @TempDir
    Path root;

    private int nextSequence;

    private PartitionLog open(LogOptions options) {
        return PartitionLog.open(root.resolve("t-0"), TP, config(Map.of()), options);
    }

    private long txn(PartitionLog log) {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, PID, EPOCH, nextSequence++,
                new SimpleRecord(System.currentTimeMillis(), bytes("k"), bytes("v")));
        return log.append(records, 0).firstOffset();
    }

    private static MemoryRecords marker(boolean commit, int coordinatorEpoch) {
        return MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), PID, EPOCH,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch));
    }

    private static int recordedCoordinatorEpoch(PartitionLog log) {
        return log.producerState().producer(PID).map(ProducerState::coordinatorEpoch).orElseThrow();
    }

    @Test
    void aMarkerFromAnOlderCoordinatorIsRefusedAndNothingIsWritten() {
        try (PartitionLog log = open(LogOptions.defaults())) {
            txn(log);
            log.append(marker(true, 3), 0);
            txn(log);
            long end = log.logEndOffset();

            assertThatThrownBy(() -> log.append(marker(false, 2), 0))
                    .isInstanceOf(TransactionCoordinatorFencedException.class)
                    .hasMessageContaining("coordinator epoch 2");

            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.lastStableOffset()).isEqualTo(end - 1);
            assertThat(recordedCoordinatorEpoch(log)).isEqualTo(3);
            // The same coordinator, or a newer one, still completes the transaction.
            log.append(marker(true, 3), 0);
            assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
        }
    }

    @Test
    void theCoordinatorEpochSurvivesACleanRestartThroughTheSnapshot() {
        long end;
        try (PartitionLog log = open(LogOptions.defaults())) {
            txn(log);
            log.append(marker(true, 7), 0);
            end = log.logEndOffset();
        }
        assertThat(root.resolve("t-0").resolve(ProducerSnapshotFiles.fileName(end))).exists();
        try (PartitionLog log = open(LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(end))) {
            assertThat(recordedCoordinatorEpoch(log)).isEqualTo(7);
            txn(log);
            assertThatThrownBy(() -> log.append(marker(true, 6), 0))
                    .isInstanceOf(TransactionCoordinatorFencedException.class);
        }
    }

    @Test
    void theCoordinatorEpochIsRebuiltFromTheMarkersWhenNoSnapshotIsLeft() throws Exception {
        try (PartitionLog log = open(LogOptions.defaults())) {
            txn(log);
            log.append(marker(false, 5), 0);
        }
        try (var files = Files.list(root.resolve("t-0"))) {
            for (Path snapshot : files.filter(f -> f.toString().endsWith(ProducerSnapshotFiles.SUFFIX)).toList()) {
                Files.delete(snapshot);
            }
        }
        try (PartitionLog log = open(LogOptions.defaults().withRecoveryPoint(0))) {
            assertThat(recordedCoordinatorEpoch(log)).isEqualTo(5);
            assertThatThrownBy(() -> log.append(marker(false, 4), 0))
                    .isInstanceOf(TransactionCoordinatorFencedException.class);
        }
    }

    @Test
    void aFollowerLearnsTheCoordinatorEpochFromTheLeadersMarkersAndFencesOnceItLeads() {
        MemoryRecords leaderLog;
        try (PartitionLog leader = open(LogOptions.defaults())) {
            txn(leader);
            leader.append(marker(true, 3), 0);
            txn(leader);
            leader.append(marker(true, 9), 0);
            leaderLog = copy(leader.read(0, Integer.MAX_VALUE, true).records());
        }
        try (PartitionLog follower = PartitionLog.open(root.resolve("follower-0"), TP, config(Map.of()),
                LogOptions.defaults())) {
            assertThat(follower.appendAsFollower(leaderLog)).isEqualTo(4);
            assertThat(recordedCoordinatorEpoch(follower)).isEqualTo(9);

            assertThatThrownBy(() -> follower.append(marker(true, 8), 1))
                    .isInstanceOf(TransactionCoordinatorFencedException.class);
        }
    }

    private static MemoryRecords copy(Records records) {
        ByteBuffer buffer = ByteBuffer.allocate(records.sizeInBytes());
        for (var batch : records.batches()) {
            batch.writeTo(buffer);
        }
        return MemoryRecords.readableRecords(buffer.flip());
    }
}
