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
