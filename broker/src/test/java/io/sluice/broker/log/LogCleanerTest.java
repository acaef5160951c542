package io.sluice.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static io.sluice.broker.log.LogTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

class LogCleanerTest {
    @TempDir
    Path dir;

    private final LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000_000);
    private final LogCleaner cleaner = new LogCleaner();

    private PartitionLog open(Map<String, String> extra) {
        Map<String, String> cfg = new HashMap<>(Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
                "delete.retention.ms", "10000", "min.compaction.lag.ms", "0"));
        cfg.putAll(extra);
        return PartitionLog.open(dir.resolve("t-0"), TP, config(cfg), LogOptions.defaults().withTime(time));
    }

    @Test
    void keepsTheLatestValuePerKeyAtItsOriginalOffset() throws Exception {
        try (PartitionLog log = open(Map.of())) {
            for (int i = 0; i < 200; i++) {
                // multi-record batches, so filterTo has to re-encode some of them
                log.append(batch(record(time.now, "k" + (i % 5), "v" + (2 * i)),
                        record(time.now, "u" + i, "v" + (2 * i + 1))), 0);
            }
            long sizeBefore = log.size();
            long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
            List<LogTestSupport.Rec> before = readAll(log);
            assertThat(cleaner.clean(log)).isGreaterThan(0);

            List<LogTestSupport.Rec> after = readAll(log);
            assertThat(log.size()).isLessThan(sizeBefore);
            assertThat(log.logEndOffset()).isEqualTo(400);
            // every record kept is unchanged and at its original offset
            assertThat(before).containsAll(after);
            Map<String, LogTestSupport.Rec> latestBelowActive = new HashMap<>();
            before.stream().filter(r -> r.offset() < activeBase).forEach(r -> latestBelowActive.put(r.key(), r));
            List<LogTestSupport.Rec> cleaned = after.stream().filter(r -> r.offset() < activeBase).toList();
            assertThat(cleaned).containsExactlyInAnyOrderElementsOf(latestBelowActive.values());
            // the active segment is untouched
            assertThat(after.stream().filter(r -> r.offset() >= activeBase).toList())
                    .isEqualTo(before.stream().filter(r -> r.offset() >= activeBase).toList());
            // offsets stay readable across the gaps
            assertThat(log.read(1, 100, true).records().batches().iterator().next().lastOffset())
                    .isGreaterThanOrEqualTo(1);

            // nothing new: a second pass does no work
            assertThat(cleaner.clean(log)).isZero();
        }
    }

    @Test
    void dropsTombstonesAfterDeleteRetentionAndKeepsRecentOnes() throws Exception {
        try (PartitionLog log = open(Map.of())) {
            log.append(batch(time.now, "a", "a1"), 0);
            log.append(batch(time.now, "b", "b1"), 0);
            log.append(batch(time.now, "a", null), 0);
            fill(log, 20);
            cleaner.clean(log);
            assertThat(valuesOf(log, "a")).containsExactly((String) null);
            assertThat(valuesOf(log, "b")).containsExactly("b1");

            // b's tombstone arrives later and is first cleaned now
            time.now += 9_000;
            log.append(batch(time.now, "b", null), 0);
            fill(log, 20);
            cleaner.clean(log);
            assertThat(valuesOf(log, "a")).containsExactly((String) null);
            assertThat(valuesOf(log, "b")).containsExactly((String) null);

            // a's delete horizon (first clean + 10 s) has passed, b's has not
            time.now += 2_000;
            assertThat(cleaner.clean(log)).isGreaterThan(0);
            assertThat(valuesOf(log, "a")).isEmpty();
            assertThat(valuesOf(log, "b")).containsExactly((String) null);

            time.now += 10_000;
            cleaner.clean(log);
            assertThat(valuesOf(log, "b")).isEmpty();
        }
    }

    @Test
    void respectsMinCompactionLag() throws Exception {
        try (PartitionLog log = open(Map.of("min.compaction.lag.ms", "60000"))) {
            for (int i = 0; i < 60; i++) {
                log.append(batch(time.now, "same", "v" + i), 0);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);
            assertThat(cleaner.clean(log)).isZero();
            assertThat(readAll(log)).hasSize(60);
            time.now += 60_001;
            assertThat(cleaner.clean(log)).isGreaterThan(0);
            assertThat(readAll(log).size()).isLessThan(60);
        }
    }

    @Test
    void leavesDeleteOnlyTopicsAlone() throws Exception {
        try (PartitionLog log = open(Map.of("cleanup.policy", "delete"))) {
            for (int i = 0; i < 60; i++) {
                log.append(batch(time.now, "same", "v" + i), 0);
            }
            assertThat(cleaner.clean(log)).isZero();
            assertThat(readAll(log)).hasSize(60);
        }
    }

    private void fill(PartitionLog log, int n) {
        for (int i = 0; i < n; i++) {
            log.append(batch(time.now, "filler-" + i, "x".repeat(80)), 0);
        }
    }

    private static List<String> valuesOf(PartitionLog log, String key) {
        return readAll(log).stream().filter(r -> r.key().equals(key)).map(LogTestSupport.Rec::value).toList();
    }
}
