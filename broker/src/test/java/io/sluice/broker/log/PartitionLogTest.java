package io.sluice.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static io.sluice.broker.log.LogTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    @TempDir
    Path dir;

    private static final String PAD = "x".repeat(60);

    private PartitionLog open(Map<String, String> overrides) {
        return PartitionLog.open(dir.resolve("t-0"), TP, config(overrides));
    }

    @Test
    void appendsAndReadsAcrossManySegmentsAndReopensIdentically() throws Exception {
        Map<String, String> cfg = Map.of("segment.bytes", "1024", "index.interval.bytes", "200");
        List<LogTestSupport.Rec> before;
        List<Long> bases;
        try (PartitionLog log = open(cfg)) {
            for (int i = 0; i < 300; i++) {
                AppendResult r = log.append(batch(1_000 + i, "k" + i, "v" + i + PAD), 3);
                assertThat(r.firstOffset()).isEqualTo(i);
                assertThat(r.lastOffset()).isEqualTo(i);
            }
            assertThat(log.logEndOffset()).isEqualTo(300);
            assertThat(log.numberOfSegments()).isGreaterThan(20);
            // Every offset, looked up through the sparse index, lands on its own batch.
            for (int i = 0; i < 300; i++) {
                ReadResult r = log.read(i, 1, true);
                RecordBatch first = r.records().batches().iterator().next();
                assertThat(first.baseOffset()).isEqualTo(i);
                assertThat(first.partitionLeaderEpoch()).isEqualTo(3);
                assertThat(LogTestSupport.string(first.iterator().next().value())).isEqualTo("v" + i + PAD);
            }
            before = readAll(log);
            bases = log.segmentBaseOffsets();
            log.flush();
        }
        try (var files = Files.list(dir.resolve("t-0"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".log")).allMatch(f -> f.toFile().length() <= 1024))
                    .isTrue();
        }
        assertThat(before).hasSize(300);
        assertThat(before.get(299).offset()).isEqualTo(299);
        try (PartitionLog reopened = open(cfg)) {
            assertThat(reopened.logEndOffset()).isEqualTo(300);
            assertThat(reopened.segmentBaseOffsets()).isEqualTo(bases);
            assertThat(readAll(reopened)).isEqualTo(before);
            assertThat(reopened.append(batch(5_000, "k", "after"), 3).firstOffset()).isEqualTo(300);
        }
    }

    @Test
    void readRespectsMaxBytesAndMinOneBatch() {
        try (PartitionLog log = open(Map.of())) {
            for (int i = 0; i < 10; i++) {
                log.append(batch(i, "k", "v" + i), 0);
            }
            int oneBatch = log.read(0, 1, true).records().sizeInBytes();
            assertThat(oneBatch).isGreaterThan(1);
            assertThat(log.read(0, oneBatch - 1, false).records().sizeInBytes()).as("no part of a batch alone").isZero();
            assertThat(log.read(0, oneBatch * 2 - 1, false).records().sizeInBytes()).isEqualTo(oneBatch * 2 - 1);
            assertThat(log.read(0, oneBatch * 3, false).records().sizeInBytes()).isEqualTo(oneBatch * 3);
            assertThat(log.read(10, 100, true).records().sizeInBytes()).isZero();
            assertThatThrownBy(() -> log.read(11, 100, true)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void rollsWhenSegmentMsHasPassedSinceTheFirstBatch() {
        try (PartitionLog log = open(Map.of("segment.ms", "1000"))) {
            log.append(batch(10_000, "a", "1"), 0);
            log.append(batch(10_900, "a", "2"), 0);
            assertThat(log.numberOfSegments()).isEqualTo(1);
            log.append(batch(11_001, "a", "3"), 0);
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
            assertThat(readAll(log)).extracting(LogTestSupport.Rec::value).containsExactly("1", "2", "3");
        }
    }

    @Test
    void rollsWhenTheIndexIsFull() {
        // 3 offset-index entries fit; the time index keeps its last slot for the final entry.
        try (PartitionLog log = open(Map.of("segment.index.bytes", "24", "index.interval.bytes", "0"))) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(i, "k", "v"), 0);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(3);
            assertThat(readAll(log)).hasSize(20);
        }
    }

    @Test
    void findsOffsetsByTimestampAndTheMaxTimestamp() {
        try (PartitionLog log = open(Map.of("segment.bytes", "1024", "index.interval.bytes", "100"))) {
            // offsets 0..2 in one batch with timestamps 10, 20, 30
            log.append(batch(record(10, "a", "x"), record(20, "b", "x"), record(30, "c", "x")), 0);
            for (int i = 3; i < 100; i++) {
                long ts = i == 50 ? 1_000_000 : i * 100L;
                log.append(batch(ts, "k", PAD), 0);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(3);
            assertThat(log.offsetForTimestamp(0)).map(t -> t.offset).contains(0L);
            assertThat(log.offsetForTimestamp(15)).map(t -> t.offset).contains(1L);
            assertThat(log.offsetForTimestamp(30)).map(t -> t.offset).contains(2L);
            assertThat(log.offsetForTimestamp(31)).map(t -> t.offset).contains(3L);
            assertThat(log.offsetForTimestamp(4_050)).map(t -> t.offset).contains(41L);
            // offset 50 carries the out-of-order 1_000_000, the first at or after 5_450 is offset 50
            assertThat(log.offsetForTimestamp(5_450)).map(t -> t.offset).contains(50L);
            assertThat(log.offsetForTimestamp(9_900)).map(t -> t.offset).contains(50L);
            assertThat(log.offsetForTimestamp(2_000_000)).isEmpty();
            Optional<TimestampAndOffset> max = log.offsetForMaxTimestamp();
            assertThat(max).map(t -> t.offset).contains(50L);
            assertThat(max).map(t -> t.timestamp).contains(1_000_000L);
        }
    }

    @Test
    void maxTimestampPointsInsideAMultiRecordBatch() {
        try (PartitionLog log = open(Map.of())) {
            log.append(batch(record(10, "a", "x"), record(99, "b", "x"), record(30, "c", "x")), 0);
            assertThat(log.offsetForMaxTimestamp()).map(t -> t.offset).contains(1L);
        }
    }

    @Test
    void retentionByTimeDeletesOldSegmentsButNeverTheActiveOne() {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(100_000);
        PartitionLog log = PartitionLog.open(dir.resolve("t-0"), TP,
                config(Map.of("segment.bytes", "1024", "retention.ms", "10000")), LogOptions.defaults().withTime(time));
        try (log) {
            for (int i = 0; i < 40; i++) {
                log.append(batch(50_000, "k", PAD), 0);
            }
            long firstNewOffset = log.logEndOffset();
            for (int i = 0; i < 40; i++) {
                log.append(batch(99_000, "k", PAD), 0);
            }
            int before = log.numberOfSegments();
            int deleted = log.deleteOldSegments();
            assertThat(deleted).isGreaterThan(0);
            assertThat(log.numberOfSegments()).isEqualTo(before - deleted);
            assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0)).isGreaterThan(0)
                    .isLessThanOrEqualTo(firstNewOffset);
            assertThat(readAll(log)).extracting(LogTestSupport.Rec::offset).contains(firstNewOffset);
            assertThatThrownBy(() -> log.read(0, 100, true)).isInstanceOf(OffsetOutOfRangeException.class);

            time.now = 1_000_000;
            log.deleteOldSegments();
            assertThat(log.numberOfSegments()).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0));
            assertThat(log.logEndOffset()).isEqualTo(80);
            assertThat(log.append(batch(1_000_000, "k", "v"), 0).firstOffset()).isEqualTo(80);
        }
    }

    @Test
    void retentionByBytesKeepsTheLogJustAboveTheLimit() {
        try (PartitionLog log = open(Map.of("segment.bytes", "1024", "retention.bytes", "3000", "retention.ms", "-1"))) {
            for (int i = 0; i < 100; i++) {
                log.append(batch(i, "k", PAD), 0);
            }
            long total = log.size();
            assertThat(total).isGreaterThan(6000);
            log.deleteOldSegments();
            long firstSegmentSize = log.read(log.logStartOffset(), Integer.MAX_VALUE, true).records().sizeInBytes();
            assertThat(log.size()).isGreaterThanOrEqualTo(3000);
            assertThat(log.size() - firstSegmentSize).isLessThan(3000);
            assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0)).isGreaterThan(0);
        }
    }

    @Test
    void compactOnlyTopicsKeepDataPastRetention() {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000_000);
        try (PartitionLog log = PartitionLog.open(dir.resolve("t-0"), TP, config(Map.of("segment.bytes", "1024",
                "retention.ms", "1", "cleanup.policy", "compact")), LogOptions.defaults().withTime(time))) {
            for (int i = 0; i < 40; i++) {
                log.append(batch(0, "k" + i, PAD), 0);
            }
            assertThat(log.deleteOldSegments()).isZero();
            assertThat(log.logStartOffset()).isZero();
        }
    }

    @Test
    void deleteRecordsMovesTheStartAndRetentionDropsSegmentsBelowIt() {
        try (PartitionLog log = open(Map.of("segment.bytes", "1024", "retention.ms", "-1"))) {
            for (int i = 0; i < 60; i++) {
                log.append(batch(i, "k", PAD), 0);
            }
            List<Long> bases = log.segmentBaseOffsets();
            long target = bases.get(2) + 1;
            assertThat(log.deleteRecordsBefore(target)).isEqualTo(target);
            assertThatThrownBy(() -> log.read(target - 1, 100, true)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(readAll(log).get(0).offset()).isEqualTo(target);
            assertThat(log.deleteOldSegments()).isEqualTo(2);
            assertThat(log.segmentBaseOffsets().get(0)).isEqualTo(bases.get(2));
            assertThat(log.logStartOffset()).isEqualTo(target);
            assertThatThrownBy(() -> log.deleteRecordsBefore(61)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void highWatermarkFollowsTheLogEndUntilSet() {
        try (PartitionLog log = open(Map.of())) {
            log.append(batch(1, "k", "v"), 0);
            log.append(batch(2, "k", "v"), 0);
            assertThat(log.highWatermark()).isEqualTo(2);
            log.updateHighWatermark(1);
            log.append(batch(3, "k", "v"), 0);
            assertThat(log.highWatermark()).isEqualTo(1);
            assertThat(log.read(0, 100, true).highWatermark()).isEqualTo(1);
            assertThat(log.updateHighWatermark(99)).isEqualTo(3);
        }
    }

    @Test
    void rejectsInvalidBatchesWithoutWritingAnything() {
        try (PartitionLog log = open(Map.of("max.message.bytes", "200"))) {
            MemoryRecords corrupt = batch(1, "k", "value");
            corrupt.buffer().put(corrupt.sizeInBytes() - 1, (byte) 0x42);
            assertThatThrownBy(() -> log.append(corrupt, 0)).isInstanceOf(CorruptRecordException.class);
            assertThatThrownBy(() -> log.append(batch(1, "k", "v".repeat(300)), 0))
                    .isInstanceOf(RecordTooLargeException.class);
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.size()).isZero();
        }
        try (PartitionLog compacted = PartitionLog.open(dir.resolve("c-0"), TP, config(Map.of("cleanup.policy", "compact")))) {
            assertThatThrownBy(() -> compacted.append(batch(1, null, "v"), 0))
                    .isInstanceOfSatisfying(RecordValidationException.class, e -> {
                        assertThat(e.error()).isInstanceOf(InvalidRecordException.class);
                        assertThat(e.recordErrors()).extracting(r -> r.batchIndex).containsExactly(0);
                    });
            assertThat(compacted.logEndOffset()).isZero();
        }
    }

    @Test
    void logAppendTimeTopicsStampTheBrokerTime() {
        LogTestSupport.MockTime time = new LogTestSupport.MockTime(777_000);
        try (PartitionLog log = PartitionLog.open(dir.resolve("t-0"), TP,
                config(Map.of("message.timestamp.type", "LogAppendTime")), LogOptions.defaults().withTime(time))) {
            AppendResult r = log.append(batch(5, "k", "v"), 0);
            assertThat(r.logAppendTime()).isEqualTo(777_000);
            assertThat(readAll(log).get(0).timestamp()).isEqualTo(777_000);
            assertThat(log.offsetForTimestamp(700_000)).map(t -> t.offset).contains(0L);
        }
    }
}
