package io.sluice.broker.replication;

import io.sluice.broker.log.LeaderEpochFileCache.EpochEndOffset;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leader's check of a follower's last fetched epoch and the follower's truncation, on real logs. */
class LogDivergenceTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog log(String name) {
        PartitionLog log = PartitionLog.open(dir.resolve(name), TP, LogConfig.defaults(Map.of()));
        opened.add(log);
        return log;
    }

    /** Appends {@code count} one-record batches written by the leader of {@code epoch}, values tagged with it. */
    private static void write(PartitionLog log, int epoch, int count) {
        log.assignEpochAtLogEnd(epoch);
        for (int i = 0; i < count; i++) {
            log.append(MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(("e" + epoch).getBytes(StandardCharsets.UTF_8))), epoch);
        }
    }

    /** Fetch rounds as the replica fetcher runs them, until the leader has no divergence to report. */
    private static int converge(PartitionLog leader, PartitionLog follower) {
        int rounds = 0;
        while (true) {
            Optional<EpochEndOffset> diverging = LogDivergence.check(leader, follower.lastBatchEpoch(),
                    follower.logEndOffset());
            if (diverging.isEmpty()) {
                return rounds;
            }
            long target = LogDivergence.truncationOffset(follower, diverging.get());
            assertThat(target).as("every round makes progress").isLessThan(follower.logEndOffset());
            follower.truncateTo(target);
            rounds++;
        }
    }

    /** The epoch of every record in the log, in offset order. */
    private static List<Integer> epochs(PartitionLog log) {
        List<Integer> out = new ArrayList<>();
        for (RecordBatch batch : log.read(log.logStartOffset(), Integer.MAX_VALUE, true).records().batches()) {
            for (int i = 0; i < batch.nextOffset() - batch.baseOffset(); i++) {
                out.add(batch.partitionLeaderEpoch());
            }
        }
        return out;
    }

    @Test
    void aFollowerThatIsAPrefixOfTheLeaderFetchesOn() {
        PartitionLog leader = log("leader");
        PartitionLog follower = log("follower");
        write(leader, 0, 10);
        write(leader, 2, 5);
        write(follower, 0, 10);
        write(follower, 2, 3);
        assertThat(LogDivergence.check(leader, follower.lastBatchEpoch(), follower.logEndOffset())).isEmpty();
    }

    @Test
    void recordsOfTheSameEpochBeyondTheLeadersEndOfItAreCut() {
        PartitionLog leader = log("leader");
        PartitionLog follower = log("follower");
        write(leader, 0, 10);
        write(leader, 2, 3);
        write(follower, 0, 15);
        assertThat(LogDivergence.check(leader, 0, 15)).contains(new EpochEndOffset(0, 10));
        assertThat(converge(leader, follower)).isEqualTo(1);
        assertThat(follower.logEndOffset()).isEqualTo(10);
    }

    @Test
    void recordsOfAnEpochTheLeaderNeverSawAreCut() {
        PartitionLog leader = log("leader");
        PartitionLog follower = log("follower");
        write(leader, 0, 10);
        write(leader, 2, 3);
        write(follower, 0, 10);
        write(follower, 1, 5);
        assertThat(LogDivergence.check(leader, 1, 15)).contains(new EpochEndOffset(0, 10));
        assertThat(converge(leader, follower)).isEqualTo(1);
        assertThat(epochs(follower)).hasSize(10).containsOnly(0);
        assertThat(follower.leaderEpochs()).containsOnlyKeys(0);
    }

    @Test
    void aLogDivergingOverSeveralEpochsIsCutBackOneRoundAtATime() {
        PartitionLog leader = log("leader");
        PartitionLog follower = log("follower");
        write(leader, 0, 10);
        write(leader, 2, 2);
        write(leader, 5, 3);
        // Shares epoch 0 up to 9 only, and has epochs 1 and 4 that the leader never had.
        write(follower, 0, 9);
        write(follower, 1, 2);
        write(follower, 4, 2);
        // Our epoch 4: the leader's nearest is 2, which we lack, so we go back to the end of our epoch 1...
        assertThat(LogDivergence.check(leader, 4, 13)).contains(new EpochEndOffset(2, 12));
        // ...then to the end of our epoch 0, where the logs agree.
        assertThat(converge(leader, follower)).isEqualTo(2);
        assertThat(follower.logEndOffset()).isEqualTo(9);
        assertThat(epochs(follower)).containsOnly(0);
    }

    @Test
    void anEpochAssignedOnBecomingLeaderWithoutRecordsIsNotTheLastFetchedEpoch() {
        PartitionLog follower = log("follower");
        write(follower, 0, 4);
        follower.assignEpochAtLogEnd(3);
        assertThat(follower.latestEpoch()).isEqualTo(3);
        assertThat(follower.lastBatchEpoch()).isZero();
        assertThat(log("empty").lastBatchEpoch()).isEqualTo(-1);
    }

    @Test
    void aLeaderWithoutAnEpochAsOldAsTheFollowersAnswersOutOfRange() {
        PartitionLog leader = log("leader");
        write(leader, 3, 4);
        assertThatThrownBy(() -> LogDivergence.check(leader, 1, 2)).isInstanceOf(OffsetOutOfRangeException.class);
    }
}
