package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

class LogRecoveryTest {
    @TempDir
    Path root;

    private static final Map<String, String> CFG = Map.of("segment.bytes", "2048", "index.interval.bytes", "100");

    private Path dir() {
        return root.resolve("t-0");
    }

    private List<LogTestSupport.Rec> writeLog(int batches) {
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG))) {
            for (int i = 0; i < batches; i++) {
                log.append(batch(1_000 + i, "k" + i, "value-" + i), 0);
            }
            log.flush();
            return readAll(log);
        }
    }

    private Path activeLogFile() throws Exception {
        try (var files = Files.list(dir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    private void assertRecovered(List<LogTestSupport.Rec> expected, long expectedEnd, LogOptions options) throws Exception {
        Path active = activeLogFile();
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG), options)) {
            assertThat(log.logEndOffset()).isEqualTo(expectedEnd);
            assertThat(readAll(log)).isEqualTo(expected.subList(0, (int) expectedEnd));
            assertThat(log.append(batch(9_999, "next", "next"), 0).firstOffset()).isEqualTo(expectedEnd);
            assertThat(readAll(log).get((int) expectedEnd).value()).isEqualTo("next");
        }
        assertThat(Files.exists(active)).isTrue();
    }

    @Test
    void garbageAfterTheLastBatchIsTruncated() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(50);
        Path active = activeLogFile();
        long goodSize = Files.size(active);
        byte[] garbage = new byte[137];
        new Random(7).nextBytes(garbage);
        Files.write(active, garbage, StandardOpenOption.APPEND);
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG))) {
            assertThat(log.logEndOffset()).isEqualTo(50);
        }
        assertThat(Files.size(active)).isEqualTo(goodSize);
        assertRecovered(written, 50, LogOptions.defaults());
    }

    @Test
    void aHalfWrittenBatchIsTruncated() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(50);
        Path active = activeLogFile();
        long goodSize = Files.size(active);
        byte[] whole = new byte[batch(1, "torn", "torn-value").sizeInBytes()];
        batch(1, "torn", "torn-value").buffer().get(whole);
        byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
        Files.write(active, half, StandardOpenOption.APPEND);
        assertRecovered(written, 50, LogOptions.defaults());
        assertThat(Files.size(active)).isGreaterThan(goodSize); // the new batch went where the torn one was
    }

    @Test
    void aBatchWithAFlippedCrcByteIsCutWithEverythingAfterIt() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(50);
        Path active = activeLogFile();
        long size = Files.size(active);
        try (RandomAccessFile raf = new RandomAccessFile(active.toFile(), "rw")) {
            // The last batch's final byte is inside its record: the CRC no longer matches.
            raf.seek(size - 1);
            int b = raf.read();
            raf.seek(size - 1);
            raf.write(b ^ 0xFF);
        }
        assertRecovered(written, 49, LogOptions.defaults());
    }

    @Test
    void corruptionInAnOlderSegmentDeletesLaterSegments() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(100);
        Path first = dir().resolve(LogSegment.fileName(0, LogSegment.LOG));
        long firstBatchSize = batch(1_000, "k0", "value-0").sizeInBytes();
        try (RandomAccessFile raf = new RandomAccessFile(first.toFile(), "rw")) {
            // third batch of the first segment (all batches of this test are nearly the same size)
            raf.seek(2 * firstBatchSize + firstBatchSize - 1);
            int b = raf.read();
            raf.seek(2 * firstBatchSize + firstBatchSize - 1);
            raf.write(b ^ 0x01);
        }
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG))) {
            assertThat(log.segmentBaseOffsets()).containsExactly(0L);
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(readAll(log)).isEqualTo(written.subList(0, 2));
        }
        try (var files = Files.list(dir())) {
            assertThat(files.filter(f -> f.toString().endsWith(".log")).count()).isEqualTo(1);
        }
    }

    @Test
    void afterACleanShutdownADamagedTailIsStillCaught() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(50);
        Files.write(activeLogFile(), new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, StandardOpenOption.APPEND);
        assertRecovered(written, 50, LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(50));
    }

    @Test
    void afterACleanShutdownOnlyTheTailIsScanned() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(100);
        // Damage the first segment: a clean start trusts it, so the damage is not noticed by loading.
        Path first = dir().resolve(LogSegment.fileName(0, LogSegment.LOG));
        long size = Files.size(first);
        try (RandomAccessFile raf = new RandomAccessFile(first.toFile(), "rw")) {
            raf.seek(size - 1);
            int b = raf.read();
            raf.seek(size - 1);
            raf.write(b ^ 0xFF);
        }
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG),
                LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(100))) {
            assertThat(log.logEndOffset()).isEqualTo(100);
            assertThat(log.numberOfSegments()).isEqualTo(4);
        }
        assertThat(Files.size(first)).isEqualTo(size);
        // The same damage after an unclean shutdown is found and cut, with every later segment.
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG))) {
            assertThat(log.numberOfSegments()).isEqualTo(1);
            assertThat(Files.size(first)).isLessThan(size);
        }
    }

    @Test
    void aDeletedIndexIsRebuiltIdentically() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(100);
        Path index = dir().resolve(LogSegment.fileName(0, LogSegment.INDEX));
        Path timeIndex = dir().resolve(LogSegment.fileName(0, LogSegment.TIME_INDEX));
        byte[] original = Files.readAllBytes(index);
        byte[] originalTime = Files.readAllBytes(timeIndex);
        assertThat(original.length).isGreaterThan(8);
        Files.delete(index);
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG),
                LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(100))) {
            assertThat(readAll(log)).isEqualTo(written);
        }
        assertThat(Files.readAllBytes(index)).isEqualTo(original);
        assertThat(Files.readAllBytes(timeIndex)).isEqualTo(originalTime);
    }

    @Test
    void aCorruptIndexIsRebuilt() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(100);
        Path index = dir().resolve(LogSegment.fileName(0, LogSegment.INDEX));
        byte[] original = Files.readAllBytes(index);
        byte[] corrupt = original.clone();
        // Make the second entry's relative offset smaller than the first's.
        corrupt[4] = 0;
        corrupt[5] = 0;
        corrupt[6] = 0;
        corrupt[7] = 0;
        corrupt[0] = 0x7f;
        Files.write(index, corrupt);
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG),
                LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(100))) {
            for (LogTestSupport.Rec rec : written) {
                assertThat(log.read(rec.offset(), 1, true).records().batches().iterator().next().baseOffset())
                        .isEqualTo(rec.offset());
            }
        }
        assertThat(Files.readAllBytes(index)).isEqualTo(original);
    }

    @Test
    void leftoverCleanerAndDeletedFilesAreDiscarded() throws Exception {
        List<LogTestSupport.Rec> written = writeLog(20);
        Files.write(dir().resolve(LogSegment.fileName(0, LogSegment.LOG + LogSegment.CLEANED)), new byte[] {1, 2, 3});
        Files.write(dir().resolve(LogSegment.fileName(0, LogSegment.INDEX + LogSegment.SWAP)), new byte[] {1, 2, 3});
        Files.write(dir().resolve(LogSegment.fileName(7, LogSegment.LOG + LogSegment.DELETED)), new byte[] {1});
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(CFG))) {
            assertThat(readAll(log)).isEqualTo(written);
        }
        try (var files = Files.list(dir())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".deleted"));
        }
    }

    @Test
    void aCommittedSwapIsCompletedOnOpen() throws Exception {
        // Build the cleaned version of segment 0 in another directory, then leave it as a .swap here.
        Map<String, String> compact = Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
                "min.compaction.lag.ms", "0");
        Path cleanedDir = root.resolve("c-0");
        List<LogTestSupport.Rec> compacted;
        for (Path d : List.of(dir(), cleanedDir)) {
            try (PartitionLog log = PartitionLog.open(d, TP, config(compact))) {
                for (int i = 0; i < 60; i++) {
                    log.append(batch(1_000 + i, "k" + (i % 3), "value-" + i), 0);
                }
            }
        }
        try (PartitionLog log = PartitionLog.open(cleanedDir, new TopicPartition("c", 0), config(compact))) {
            assertThat(new LogCleaner().clean(log)).isGreaterThan(0);
            compacted = readAll(log);
        }
        Files.copy(cleanedDir.resolve(LogSegment.fileName(0, LogSegment.LOG)),
                dir().resolve(LogSegment.fileName(0, LogSegment.LOG + LogSegment.SWAP)));
        try (PartitionLog log = PartitionLog.open(dir(), TP, config(compact))) {
            List<LogTestSupport.Rec> after = readAll(log);
            long firstSegmentEnd = log.segmentBaseOffsets().get(1);
            assertThat(after.stream().filter(r -> r.offset() < firstSegmentEnd).toList())
                    .isEqualTo(compacted.stream().filter(r -> r.offset() < firstSegmentEnd).toList());
            assertThat(after.size()).isLessThan(60);
        }
        assertThat(Files.exists(dir().resolve(LogSegment.fileName(0, LogSegment.LOG + LogSegment.SWAP)))).isFalse();
    }
}
