package io.sluice.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.bytes;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kafka's cleaning rules on real logs: passes, transactions, producer state, selection, checkpoint. */
class CleanerSemanticsTest {
    private static final String PAD = "x".repeat(60);

    @TempDir
    Path root;

    private final LogTestSupport.MockTime time = new LogTestSupport.MockTime(1_000_000);

    private PartitionLog open(String name, Map<String, String> extra) {
        Map<String, String> cfg = new HashMap<>(Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
                "delete.retention.ms", "10000", "min.compaction.lag.ms", "0"));
        cfg.putAll(extra);
        return PartitionLog.open(root.resolve(name), TP, config(cfg), LogOptions.defaults().withTime(time));
    }

    private static LogCleaner cleanerWithMap(long dedupeBytes) {
        return new LogCleaner(CleanerConfig.defaults().withDedupeBufferSize(dedupeBytes), List.of(),
                org.apache.kafka.common.utils.Time.SYSTEM);
    }

    private void fill(PartitionLog log, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            log.append(batch(time.now, prefix + i, PAD), 0);
        }
    }

    /** The latest record of every key below the active segment, and everything in it, from {@code before}. */
    private static List<LogTestSupport.Rec> compacted(List<LogTestSupport.Rec> before, long activeBase) {
        Map<String, LogTestSupport.Rec> latest = new HashMap<>();
        before.stream().filter(r -> r.offset() < activeBase).forEach(r -> latest.put(r.key(), r));
        return Stream.concat(latest.values().stream(), before.stream().filter(r -> r.offset() >= activeBase))
                .sorted(java.util.Comparator.comparingLong(LogTestSupport.Rec::offset)).toList();
    }

    @Test
    void cleansInSeveralPassesWhenTheKeysDoNotFitTheOffsetMap() throws Exception {
        // 20 slots, 18 usable: 60 keys need at least four passes.
        LogCleaner tiny = cleanerWithMap(20 * SkimpyOffsetMap.BYTES_PER_ENTRY);
        try (PartitionLog log = open("t-0", Map.of())) {
            for (int i = 0; i < 400; i++) {
                log.append(batch(time.now, "k" + (i * 7 % 60), "v" + i + PAD), 0);
            }
            List<LogTestSupport.Rec> before = readAll(log);
            long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);

            assertThat(tiny.clean(log)).isPositive();

            assertThat(readAll(log)).isEqualTo(compacted(before, activeBase));
            assertThat(tiny.checkpoint(TP)).contains(activeBase);
            assertThat(tiny.clean(log)).isZero();
        }
    }

    @Test
    void aFullMapCleansUpToWhereItReached() throws Exception {
        LogCleanerManager manager = new LogCleanerManager(List.of());
        try (PartitionLog log = open("t-0", Map.of())) {
            for (int i = 0; i < 300; i++) {
                log.append(batch(time.now, "k" + i, "v" + PAD), 0);
            }
            SkimpyOffsetMap map = new SkimpyOffsetMap(50 * SkimpyOffsetMap.BYTES_PER_ENTRY, 0.9);
            Cleaner cleaner = new Cleaner(map, 4096, new Throttler(Double.MAX_VALUE, time));
            LogToClean toClean = manager.logToClean(log, time.now);
            Cleaner.Result result = cleaner.clean(toClean, () -> { });
            assertThat(result.endOffset()).isEqualTo(map.maxEntries());
            assertThat(result.endOffset()).isLessThan(toClean.firstUncleanableOffset());
            assertThat(readAll(log)).hasSize(300);
        }
    }

    @Test
    void aBatchLargerThanTheMapIsRefusedWithAClearError() {
        try (PartitionLog log = open("t-0", Map.of())) {
            SimpleRecord[] many = new SimpleRecord[30];
            for (int i = 0; i < many.length; i++) {
                many[i] = new SimpleRecord(time.now, bytes("k" + i), bytes("v"));
            }
            log.append(MemoryRecords.withRecords(Compression.NONE, many), 0);
            fill(log, "f", 40);
            Cleaner cleaner = new Cleaner(new SkimpyOffsetMap(10 * SkimpyOffsetMap.BYTES_PER_ENTRY, 0.9), 4096,
                    new Throttler(Double.MAX_VALUE, time));
            LogToClean toClean = new LogCleanerManager(List.of()).logToClean(log, time.now);
            assertThatThrownBy(() -> cleaner.clean(toClean, () -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("log.cleaner.dedupe.buffer.size");
        }
    }

    private long txn(PartitionLog log, long pid, int seq, String key) {
        return log.append(MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq,
                new SimpleRecord(time.now, bytes(key), bytes("txn" + PAD))), 0).firstOffset();
    }

    private long marker(PartitionLog log, long pid, boolean commit) {
        return log.append(MemoryRecords.withEndTransactionMarker(time.now, pid, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0)), 0)
                .firstOffset();
    }

    private static long controlBatches(PartitionLog log) {
        long count = 0;
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            long next = offset;
            for (RecordBatch b : log.read(offset, 4096, true).records().batches()) {
                if (b.isControlBatch() && b.iterator().hasNext()) {
                    count++;
                }
                next = b.nextOffset();
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return count;
    }

    @Test
    void abortedDataGoesAtOnceAndItsMarkerAfterDeleteRetention() throws Exception {
        LogCleaner cleaner = new LogCleaner();
        try (PartitionLog log = open("t-0", Map.of())) {
            long aborted1 = txn(log, 7, 0, "ab1");
            txn(log, 7, 1, "ab2");
            marker(log, 7, false);
            txn(log, 8, 0, "committed");
            marker(log, 8, true);
            // producer 7's last batch must stay for its sequence; make it one of a committed transaction
            txn(log, 7, 2, "later");
            marker(log, 7, true);
            fill(log, "f", 30);
            assertThat(log.abortedTransactions(0, log.logEndOffset())).hasSize(1);

            cleaner.clean(log);
            List<LogTestSupport.Rec> after = readAll(log);
            assertThat(after).noneMatch(r -> r.key().startsWith("ab"));
            assertThat(after).anyMatch(r -> r.key().equals("committed"));
            // the abort marker stays for this round (its data was just removed), still indexed
            assertThat(controlBatches(log)).isEqualTo(3);
            assertThat(log.abortedTransactions(0, log.logEndOffset())).singleElement()
                    .satisfies(t -> assertThat(t.firstOffset()).isEqualTo(aborted1));

            // next round: the abort marker has no data left, so it gets a delete horizon ...
            fill(log, "g", 30);
            cleaner.clean(log);
            assertThat(controlBatches(log)).isEqualTo(3);
            // ... and goes once it passed; the commit markers stay while their data does
            time.now += 10_001;
            assertThat(cleaner.clean(log)).isPositive();
            assertThat(controlBatches(log)).isEqualTo(2);
            assertThat(readAll(log)).anyMatch(r -> r.key().equals("committed"));
            assertThat(log.abortedTransactions(0, log.logEndOffset())).isEmpty();
        }
    }

    @Test
    void aProducersLastBatchSurvivesSoItsSequenceDoes() throws Exception {
        LogCleaner cleaner = new LogCleaner();
        long pid = 42;
        try (PartitionLog log = open("t-0", Map.of())) {
            for (int seq = 0; seq < 10; seq++) {
                log.append(MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) 0, seq,
                        new SimpleRecord(time.now, bytes("p"), bytes("v" + seq + PAD))), 0);
            }
            // a later plain write of the same key supersedes every record of the producer
            log.append(batch(time.now, "p", "plain"), 0);
            fill(log, "f", 30);
            assertThat(cleaner.clean(log)).isPositive();
            assertThat(readAll(log).stream().filter(r -> r.key().equals("p")).map(LogTestSupport.Rec::value))
                    .containsExactly("plain");
        }
        // force the producer state to be rebuilt from the log alone
        try (Stream<Path> files = Files.list(root.resolve("t-0"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
                Files.delete(f);
            }
        }
        try (PartitionLog log = open("t-0", Map.of())) {
            AppendResult retry = log.append(MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) 0, 9,
                    new SimpleRecord(time.now, bytes("p"), bytes("v9" + PAD))), 0);
            assertThat(retry.duplicate()).isTrue();
            assertThatThrownBy(() -> log.append(MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) 0,
                    12, new SimpleRecord(time.now, bytes("p"), bytes("gap"))), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.append(MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) 0, 10,
                    new SimpleRecord(time.now, bytes("p"), bytes("v10"))), 0).duplicate()).isFalse();
        }
    }

    @Test
    void theFilthiestLogAboveItsRatioIsChosenAndMaxLagOverridesTheRatio() {
        LogCleanerManager manager = new LogCleanerManager(List.of());
        try (PartitionLog lazy = PartitionLog.open(root.resolve("a-0"), new org.apache.kafka.common.TopicPartition("a", 0),
                config(Map.of("segment.bytes", "1024", "cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.99")),
                LogOptions.defaults().withTime(time));
             PartitionLog eager = PartitionLog.open(root.resolve("b-0"), new org.apache.kafka.common.TopicPartition("b", 0),
                     config(Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
                             "min.cleanable.dirty.ratio", "0.01")), LogOptions.defaults().withTime(time))) {
            fill(lazy, "k", 40);
            fill(eager, "k", 40);
            // both are wholly dirty (ratio 1.0 > 0.99 too), so make the lazy one partly clean first
            manager.doneCleaning(lazy, lazy.segmentBaseOffsets().get(lazy.numberOfSegments() - 1), Long.MAX_VALUE);
            fill(lazy, "m", 20);
            LogToClean lazyView = manager.logToClean(lazy, time.now);
            assertThat(lazyView.cleanableRatio()).isBetween(0.01, 0.99);

            Optional<LogToClean> first = manager.grabFilthiestCompactedLog(List.of(lazy, eager), time.now);
            assertThat(first).map(t -> t.log().topicPartition().topic()).contains("b");
            assertThat(manager.grabFilthiestCompactedLog(List.of(lazy, eager), time.now)).isEmpty();

            lazy.updateConfig(config(Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.99", "max.compaction.lag.ms", "1000")));
            time.now += 1_001;
            assertThat(manager.grabFilthiestCompactedLog(List.of(lazy, eager), time.now))
                    .map(t -> t.log().topicPartition().topic()).contains("a");
        }
    }

    @Test
    void theCheckpointSurvivesARestart() throws Exception {
        Path dir = root.resolve("logs");
        Map<String, String> compact = Map.of("segment.bytes", "1024", "cleanup.policy", "compact");
        long cleanedTo;
        try (LogManager logs = new LogManager(List.of(dir), time)) {
            PartitionLog log = logs.getOrCreate(TP, tp -> config(compact));
            fill(log, "k", 40);
            fill(log, "k", 40);
            assertThat(logs.compactLogs()).isPositive();
            cleanedTo = logs.cleaner().checkpoint(TP).orElseThrow();
            assertThat(cleanedTo).isEqualTo(log.segmentBaseOffsets().get(log.numberOfSegments() - 1));
        }
        assertThat(new OffsetCheckpointFile(dir.resolve(LogCleanerManager.CHECKPOINT_FILE)).read())
                .containsEntry(TP, cleanedTo);
        try (LogManager logs = new LogManager(List.of(dir), time)) {
            PartitionLog log = logs.getOrCreate(TP, tp -> config(compact));
            assertThat(logs.cleaner().checkpoint(TP)).contains(cleanedTo);
            assertThat(logs.compactLogs()).isZero();
            logs.delete(TP);
            assertThat(logs.cleaner().checkpoint(TP)).isEmpty();
        }
    }
}
