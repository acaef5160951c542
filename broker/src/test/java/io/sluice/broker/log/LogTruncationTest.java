package io.sluice.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Follower-side log operations: appendAsFollower, truncateTo, the leader-epoch cache. */
class LogTruncationTest {
    private static final String PAD = "x".repeat(200);
    private static final Map<String, String> SMALL = Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, "2048",
            TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, "100");

    @TempDir
    Path dir;

    private PartitionLog open(Path d) {
        return PartitionLog.open(d, TP, config(SMALL));
    }

    @Test
    void truncationAcrossSegmentsKeepsTheLogConsistentAndAppendable() {
        try (PartitionLog log = open(dir.resolve("t-0"))) {
            for (int i = 0; i < 60; i++) {
                log.append(batch(1_000 + i, "k" + i, "v" + i + PAD), i < 30 ? 1 : 4);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(3);
            assertThat(log.leaderEpochs()).containsExactly(Map.entry(1, 0L), Map.entry(4, 30L));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new LeaderEpochFileCache.EpochEndOffset(1, 30));
            assertThat(log.endOffsetForEpoch(3)).isEqualTo(new LeaderEpochFileCache.EpochEndOffset(1, 30));
            assertThat(log.endOffsetForEpoch(4)).isEqualTo(new LeaderEpochFileCache.EpochEndOffset(4, 60));
            assertThat(log.endOffsetForEpoch(0)).isEqualTo(new LeaderEpochFileCache.EpochEndOffset(-1, -1));

            assertThat(log.truncateTo(25)).isEqualTo(25);
            assertThat(log.logEndOffset()).isEqualTo(25);
            assertThat(log.highWatermark()).isLessThanOrEqualTo(25);
            assertThat(log.leaderEpochs()).containsExactly(Map.entry(1, 0L));
            List<LogTestSupport.Rec> records = readAll(log);
            assertThat(records).hasSize(25);
            assertThat(records.get(24).offset()).isEqualTo(24);

            log.append(batch(5_000, "new", "after-truncation"), 7);
            assertThat(log.logEndOffset()).isEqualTo(26);
            assertThat(log.leaderEpochs()).containsExactly(Map.entry(1, 0L), Map.entry(7, 25L));
        }
        try (PartitionLog reopened = open(dir.resolve("t-0"))) {
            assertThat(reopened.logEndOffset()).isEqualTo(26);
            List<LogTestSupport.Rec> records = readAll(reopened);
            assertThat(records).hasSize(26);
            assertThat(records.get(25).offset()).isEqualTo(25);
            assertThat(reopened.leaderEpochs()).containsExactly(Map.entry(1, 0L), Map.entry(7, 25L));
        }
    }

    @Test
    void followerAppendKeepsOffsetsAndEpochsAndRejectsOverlapsAndCorruption() {
        MemoryRecords leaderBatches;
        try (PartitionLog leader = open(dir.resolve("leader"))) {
            for (int i = 0; i < 10; i++) {
                leader.append(batch(1_000 + i, "k" + i, "v" + i), i < 5 ? 2 : 3);
            }
            leaderBatches = copy(leader.read(0, Integer.MAX_VALUE, true).records());
        }
        try (PartitionLog follower = open(dir.resolve("follower"))) {
            assertThat(follower.appendAsFollower(leaderBatches)).isEqualTo(10);
            assertThat(follower.leaderEpochs()).containsExactly(Map.entry(2, 0L), Map.entry(3, 5L));
            assertThat(readAll(follower)).extracting(LogTestSupport.Rec::offset)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            // A batch that overlaps the log is refused.
            MemoryRecords overlap = MemoryRecords.withRecords(5L, Compression.NONE, new SimpleRecord("x".getBytes()));
            assertThatThrownBy(() -> follower.appendAsFollower(overlap))
                    .isInstanceOf(org.apache.kafka.common.errors.CorruptRecordException.class);
            MemoryRecords corrupt = MemoryRecords.withRecords(10L, Compression.NONE, new SimpleRecord("y".getBytes()));
            corrupt.buffer().put(corrupt.sizeInBytes() - 1, (byte) 0x55);
            assertThatThrownBy(() -> follower.appendAsFollower(corrupt))
                    .isInstanceOf(org.apache.kafka.common.errors.CorruptRecordException.class);
            assertThat(follower.logEndOffset()).isEqualTo(10);
            // A gap is not: a compacted leader's next batch may start past the log end (as in Kafka).
            MemoryRecords gap = MemoryRecords.withRecords(20L, Compression.NONE, new SimpleRecord("z".getBytes()));
            assertThat(follower.appendAsFollower(gap)).isEqualTo(21);
            assertThat(readAll(follower)).extracting(LogTestSupport.Rec::offset).endsWith(8L, 9L, 20L);
        }
    }

    private static MemoryRecords copy(org.apache.kafka.common.record.internal.Records records) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(records.sizeInBytes());
        for (var batch : records.batches()) {
            batch.writeTo(buffer);
        }
        buffer.flip();
        return MemoryRecords.readableRecords(buffer);
    }
}
