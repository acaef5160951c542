package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

class LogManagerTest {
    @TempDir
    Path dir;

    private final TopicPartition tp = new TopicPartition("orders", 3);

    @Test
    void closeWritesCheckpointsAndTheCleanShutdownMarker() throws Exception {
        try (LogManager manager = new LogManager(List.of(dir))) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(Map.of("segment.bytes", "1024")));
            for (int i = 0; i < 40; i++) {
                log.append(batch(i, "k", "x".repeat(60)), 0);
            }
            log.deleteRecordsBefore(12);
        }
        assertThat(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
        assertThat(Files.readAllLines(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)))
                .containsExactly("0", "1", "orders 3 40");
        assertThat(new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).read())
                .containsEntry(tp, 12L);

        try (LogManager manager = new LogManager(List.of(dir))) {
            assertThat(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
            assertThat(manager.partitionsOnDisk()).containsExactly(tp);
            PartitionLog log = manager.getOrCreate(tp, p -> config(Map.of("segment.bytes", "1024")));
            assertThat(log.logStartOffset()).isEqualTo(12);
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(log.recoveryPoint()).isEqualTo(40);
        }
    }

    @Test
    void withoutTheMarkerTheLogIsRecovered() throws Exception {
        try (LogManager manager = new LogManager(List.of(dir))) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(Map.of()));
            for (int i = 0; i < 10; i++) {
                log.append(batch(i, "k", "v"), 0);
            }
        }
        Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Path active = dir.resolve("orders-3").resolve(LogSegment.fileName(0, LogSegment.LOG));
        long size = Files.size(active);
        Files.write(active, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99}, java.nio.file.StandardOpenOption.APPEND);
        try (LogManager manager = new LogManager(List.of(dir))) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(Map.of()));
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(Files.size(active)).isEqualTo(size);
        }
    }

    @Test
    void partitionsOnDiskSkipsDirectoriesThatAreNotPartitions() throws Exception {
        Files.createDirectories(dir.resolve("zookeeper").resolve("version-2"));
        Files.createDirectories(dir.resolve("version-2"));
        Files.createDirectories(dir.resolve("not a topic-1"));
        try (LogManager manager = new LogManager(List.of(dir))) {
            manager.getOrCreate(tp, p -> config(Map.of()));
            assertThat(manager.partitionsOnDisk()).containsExactly(tp);
        }
    }

    @Test
    void backgroundTasksApplyRetention() throws Exception {
        try (LogManager manager = new LogManager(List.of(dir))) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(Map.of("segment.bytes", "1024",
                    "retention.bytes", "1024", "retention.ms", "-1")));
            for (int i = 0; i < 60; i++) {
                log.append(batch(i, "k", "x".repeat(60)), 0);
            }
            int before = log.numberOfSegments();
            manager.startBackgroundTasks(50);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> log.numberOfSegments() < before);
            assertThat(log.logStartOffset()).isGreaterThan(0);
            // removed segments wait as .deleted files for in-flight reads
            try (var files = Files.list(log.dir())) {
                assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.endsWith(".deleted"));
            }
        }
        try (var files = Files.list(dir.resolve("orders-3"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".deleted"));
        }
    }

    private static final Map<String, String> COMPACTED = Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
            "min.compaction.lag.ms", "0");

    private LogManager withSmallCleaner() {
        return new LogManager(List.of(dir), org.apache.kafka.common.utils.Time.SYSTEM, 86_400_000L,
                CleanerConfig.defaults().withDedupeBufferSize(1024 * 1024));
    }

    private static void fill(PartitionLog log, int from, int count, String prefix) {
        for (int i = from; i < from + count; i++) {
            log.append(batch(i, prefix + (i % 10), "x".repeat(60)), 0);
        }
    }

    private long checkpointOnDisk() throws Exception {
        return new OffsetCheckpointFile(dir.resolve(LogCleanerManager.CHECKPOINT_FILE)).read().getOrDefault(tp, -1L);
    }

    @Test
    void truncationBelowTheCleanerCheckpointLowersItToTheNewActiveSegment() throws Exception {
        try (LogManager manager = withSmallCleaner()) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(COMPACTED));
            fill(log, 0, 60, "k");
            assertThat(manager.cleaner().clean(log)).isPositive();
            long cleanedTo = manager.cleaner().checkpoint(tp).orElseThrow();
            assertThat(cleanedTo).isGreaterThan(20);

            long end = manager.truncateTo(log, 20);

            long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
            assertThat(end).isLessThanOrEqualTo(20);
            assertThat(manager.cleaner().checkpoint(tp)).contains(activeBase);
            assertThat(activeBase).isLessThanOrEqualTo(end).isLessThan(cleanedTo);
            assertThat(checkpointOnDisk()).isEqualTo(activeBase);

            // The offsets written again after the truncation are dirty: the cleaner takes them up (it was
            // paused for the truncation only), keeping the latest record of each key.
            fill(log, (int) end, 60, "other-");
            assertThat(manager.cleaner().clean(log)).isPositive();
            assertThat(manager.cleaner().checkpoint(tp).orElseThrow()).isGreaterThan(activeBase);
            List<LogTestSupport.Rec> records = LogTestSupport.readAll(log);
            long lastActive = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
            assertThat(records.stream().filter(r -> r.offset() < lastActive).map(LogTestSupport.Rec::key))
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void truncationAboveTheCleanerCheckpointLeavesIt() throws Exception {
        try (LogManager manager = withSmallCleaner()) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(COMPACTED));
            fill(log, 0, 60, "k");
            manager.cleaner().clean(log);
            long cleanedTo = manager.cleaner().checkpoint(tp).orElseThrow();
            fill(log, 60, 5, "k");
            assertThat(log.logEndOffset()).isEqualTo(65);

            assertThat(manager.truncateTo(log, 63)).isEqualTo(63);

            assertThat(manager.cleaner().checkpoint(tp)).contains(cleanedTo);
            assertThat(checkpointOnDisk()).isEqualTo(cleanedTo);
        }
    }

    @Test
    void truncatingFullyLowersTheCheckpointToTheNewStart() throws Exception {
        try (LogManager manager = withSmallCleaner()) {
            PartitionLog log = manager.getOrCreate(tp, p -> config(COMPACTED));
            fill(log, 0, 60, "k");
            manager.cleaner().clean(log);
            assertThat(manager.cleaner().checkpoint(tp).orElseThrow()).isGreaterThan(10);

            manager.truncateFullyAndStartAt(log, 10);

            assertThat(log.logStartOffset()).isEqualTo(10);
            assertThat(manager.cleaner().checkpoint(tp)).contains(10L);
            assertThat(checkpointOnDisk()).isEqualTo(10);
        }
    }

    @Test
    void checkpointFilesRoundTrip() throws Exception {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve("cp"));
        assertThat(file.read()).isEmpty();
        file.write(Map.of(new TopicPartition("a.b-c", 0), 5L, new TopicPartition("x", 12), 9_000_000_000L));
        assertThat(file.read()).containsExactlyInAnyOrderEntriesOf(
                Map.of(new TopicPartition("a.b-c", 0), 5L, new TopicPartition("x", 12), 9_000_000_000L));
        assertThat(Files.readAllLines(dir.resolve("cp")).subList(0, 2)).containsExactly("0", "2");
    }
}
