package io.sluice.broker.log;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's per-topic log settings: segment.jitter.ms, file.delete.delay.ms, flush.messages, flush.ms, preallocate. */
class LogSettingsTest {
    private static final String PAD = "x".repeat(200);

    @TempDir
    Path dir;

    @Test
    void segmentJitterBringsTheTimeRollForward() {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000_000);
        PartitionLog log = PartitionLog.open(dir.resolve("t-0"), TP,
                config(Map.of("segment.ms", "10000", "segment.jitter.ms", "10000")), LogOptions.defaults().withTime(time));
        try (log) {
            long base = time.now;
            log.append(batch(base, "k", "first"), 0);
            for (int round = 0; round < 5; round++) {
                // base: the timestamp of the active segment's first batch, which segment.ms counts from.
                long jitter = log.rollJitterMs();
                assertThat(jitter).isBetween(0L, 9_999L);
                int segments = log.numberOfSegments();
                // Exactly segment.ms - jitter after the first batch: not yet.
                log.append(batch(base + 10_000 - jitter, "k", "same segment"), 0);
                assertThat(log.numberOfSegments()).isEqualTo(segments);
                base = base + 10_000 - jitter + 1;
                time.now = base;
                log.append(batch(base, "k", "new segment"), 0);
                assertThat(log.numberOfSegments()).isEqualTo(segments + 1);
            }
        }
    }

    @Test
    void removedSegmentsWaitFileDeleteDelayMsAsDeletedFiles() throws Exception {
        List<Long> delays = new ArrayList<>();
        List<Runnable> pending = new ArrayList<>();
        LogOptions options = new LogOptions(0, 0, false, org.apache.kafka.common.utils.Time.SYSTEM,
                (deletion, delayMs) -> {
                    delays.add(delayMs);
                    pending.add(deletion);
                }, ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS);
        Path logDir = dir.resolve("t-0");
        try (PartitionLog log = PartitionLog.open(logDir, TP,
                config(Map.of("segment.bytes", "1024", "file.delete.delay.ms", "4321")), options)) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(System.currentTimeMillis(), "k", PAD), 0);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);
            log.deleteRecordsBefore(log.segmentBaseOffsets().get(2));
            int deleted = log.deleteOldSegments();
            assertThat(deleted).isEqualTo(2);
            assertThat(delays).containsExactly(4321L, 4321L);
            assertThat(filesEndingWith(logDir, ".log.deleted")).hasSize(2);
            pending.forEach(Runnable::run);
            assertThat(filesEndingWith(logDir, ".deleted")).isEmpty();
        }
    }

    @Test
    void flushMessagesAndFlushMsMoveTheRecoveryPoint() {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000_000);
        try (PartitionLog log = PartitionLog.open(dir.resolve("m-0"), TP, config(Map.of("flush.messages", "3")),
                LogOptions.defaults().withTime(time))) {
            log.append(batch(time.now, "k", "1"), 0);
            log.append(batch(time.now, "k", "2"), 0);
            assertThat(log.recoveryPoint()).isZero();
            log.append(batch(time.now, "k", "3"), 0);
            assertThat(log.recoveryPoint()).isEqualTo(3);
        }
        try (LogManager manager = new LogManager(List.of(dir.resolve("managed")), time)) {
            PartitionLog log = manager.getOrCreate(TP, tp -> config(Map.of("flush.ms", "1000")));
            log.append(batch(time.now, "k", "v"), 0);
            time.now += 999;
            assertThat(manager.flushDirtyLogs()).isZero();
            assertThat(log.recoveryPoint()).isZero();
            time.now += 1;
            assertThat(manager.flushDirtyLogs()).isEqualTo(1);
            assertThat(log.recoveryPoint()).isEqualTo(1);
            assertThat(log.lastFlushTime()).isEqualTo(time.now);
        }
    }

    @Test
    void preallocatedSegmentsAreTrimmedOnRollAndCloseAndRecoverAfterACrash() throws Exception {
        Path logDir = dir.resolve("p-0");
        int segmentBytes = 64 * 1024;
        LogConfig cfg = config(Map.of("segment.bytes", String.valueOf(segmentBytes), "preallocate", "true"));
        Path crashCopy = dir.resolve("crash-copy");
        long end;
        try (PartitionLog log = PartitionLog.open(logDir, TP, cfg)) {
            log.append(batch(System.currentTimeMillis(), "k", PAD), 0);
            Path active = LogSegment.file(logDir, 0, LogSegment.LOG).toPath();
            assertThat(Files.size(active)).isEqualTo(segmentBytes);
            assertThat(log.size()).isLessThan(1024);
            while (log.numberOfSegments() < 3) {
                log.append(batch(System.currentTimeMillis(), "k", PAD), 0);
            }
            long firstRolled = log.segmentBaseOffsets().get(1);
            assertThat(Files.size(active)).as("trimmed at roll").isLessThan(segmentBytes);
            assertThat(Files.size(LogSegment.file(logDir, firstRolled, LogSegment.LOG).toPath()))
                    .isLessThan(segmentBytes);
            end = log.logEndOffset();
            log.flush();
            // What a crash leaves: the active segment still preallocated, zeros after its data.
            Files.createDirectories(crashCopy);
            try (Stream<Path> files = Files.list(logDir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, crashCopy.resolve(f.getFileName()));
                }
            }
        }
        try (Stream<Path> files = Files.list(logDir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".log"))).allSatisfy(
                    f -> assertThat(Files.size(f)).isLessThan(segmentBytes));
        }
        try (PartitionLog reopened = PartitionLog.open(logDir, TP, cfg)) {
            assertThat(reopened.logEndOffset()).isEqualTo(end);
        }
        try (PartitionLog recovered = PartitionLog.open(crashCopy, TP, cfg)) {
            assertThat(recovered.logEndOffset()).isEqualTo(end);
            assertThat(LogTestSupport.readAll(recovered)).hasSize((int) end);
            recovered.append(batch(System.currentTimeMillis(), "k", "after"), 0);
            assertThat(recovered.logEndOffset()).isEqualTo(end + 1);
        } finally {
            Utils.delete(crashCopy.toFile());
        }
    }

    private static List<Path> filesEndingWith(Path dir, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
        }
    }
}
