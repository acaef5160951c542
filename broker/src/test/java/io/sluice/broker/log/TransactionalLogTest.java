package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.bytes;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

/** Last stable offset, {@code .txnindex} and {@code read_committed} reads of one partition log. */
class TransactionalLogTest {
    private static final long A = 1_000L;
    private static final long B = 2_000L;
    private static final long C = 3_000L;
    private static final String PAD = "x".repeat(80);
    private static final Map<String, String> ROLLING = Map.of("segment.bytes", "1024", "index.interval.bytes", "100");

    @TempDir
    Path root;

    private final Map<Long, Integer> sequences = new HashMap<>();

    private Path dir() {
        return root.resolve("t-0");
    }

    private PartitionLog open(Map<String, String> cfg, LogOptions options) {
        return PartitionLog.open(dir(), TP, config(cfg), options);
    }

    private PartitionLog open(Map<String, String> cfg) {
        return open(cfg, LogOptions.defaults());
    }

    /** Appends one transactional record of {@code pid}; returns its offset. */
    private long txn(PartitionLog log, long pid, String value) {
        int seq = sequences.merge(pid, 1, Integer::sum) - 1;
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq,
                new SimpleRecord(System.currentTimeMillis(), bytes("k-" + value), bytes(value + PAD)));
        return log.append(records, 0).firstOffset();
    }

    private static long end(PartitionLog log, long pid, boolean commit) {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), pid, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0));
        return log.append(marker, 0).firstOffset();
    }

    private static long plain(PartitionLog log, String value) {
        return log.append(batch(System.currentTimeMillis(), "k-" + value, value + PAD), 0).firstOffset();
    }

    /** Reads read_committed from {@code from} to the LSO; every batch's last offset, and the aborted lists. */
    private static List<RecordBatch> readCommitted(PartitionLog log, long from, List<AbortedTxn> aborted) {
        List<RecordBatch> out = new ArrayList<>();
        long offset = from;
        while (true) {
            ReadResult r = log.read(offset, 300, true, FetchIsolation.TXN_COMMITTED);
            aborted.addAll(r.abortedTransactions());
            long next = offset;
            for (RecordBatch b : r.records().batches()) {
                out.add(b);
                next = b.nextOffset();
            }
            if (next == offset) {
                return out;
            }
            offset = next;
        }
    }

    /** The raw entries of a .txnindex file, decoded by hand from Kafka's 34-byte format. */
    private static List<long[]> txnIndexEntries(Path file) throws Exception {
        byte[] content = Files.readAllBytes(file);
        assertThat(content.length % 34).isZero();
        ByteBuffer buffer = ByteBuffer.wrap(content);
        List<long[]> entries = new ArrayList<>();
        while (buffer.hasRemaining()) {
            assertThat(buffer.getShort()).isZero();
            entries.add(new long[] {buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong()});
        }
        return entries;
    }

    private List<Path> txnIndexFiles() throws Exception {
        try (var files = Files.list(dir())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".txnindex")).sorted().toList();
        }
    }

    private static List<AbortedTxn> allAborted(PartitionLog log) {
        return log.abortedTransactions(log.logStartOffset(), Long.MAX_VALUE);
    }

    @Test
    void theLastStableOffsetStaysAtTheOldestOpenTransactionUntilItsMarker() {
        try (PartitionLog log = open(Map.of())) {
            plain(log, "p0");
            assertThat(log.lastStableOffset()).isEqualTo(1);
            long a0 = txn(log, A, "a0");
            long b0 = txn(log, B, "b0");
            plain(log, "p1");
            txn(log, A, "a1");
            assertThat(log.lastStableOffset()).isEqualTo(a0);
            assertThat(log.read(a0, 10_000, true, FetchIsolation.TXN_COMMITTED).records().sizeInBytes()).isZero();
            // read_uncommitted is not held back.
            assertThat(log.read(a0, 10_000, true, FetchIsolation.HIGH_WATERMARK).lastStableOffset()).isEqualTo(a0);

            end(log, A, true);
            assertThat(log.lastStableOffset()).isEqualTo(b0);
            List<RecordBatch> visible = readCommitted(log, 0, new ArrayList<>());
            assertThat(visible).extracting(RecordBatch::baseOffset).containsExactly(0L, a0);

            long abortB = end(log, B, false);
            assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset()).isEqualTo(abortB + 1);
            List<AbortedTxn> aborted = new ArrayList<>();
            assertThat(readCommitted(log, 0, aborted)).hasSize(7);
            assertThat(aborted).isNotEmpty().containsOnly(new AbortedTxn(B, b0, abortB, abortB + 1));
        }
    }

    @Test
    void theLastStableOffsetNeverPassesTheHighWatermark() {
        try (PartitionLog log = open(Map.of())) {
            plain(log, "p0");
            plain(log, "p1");
            txn(log, A, "a0");
            log.updateHighWatermark(1);
            assertThat(log.lastStableOffset()).isEqualTo(1);
            ReadResult r = log.read(0, 10_000, true, FetchIsolation.TXN_COMMITTED);
            assertThat(r.records().batches()).extracting(RecordBatch::baseOffset).containsExactly(0L);
            assertThat(r.lastStableOffset()).isEqualTo(1);
            log.updateHighWatermark(10);
            assertThat(log.lastStableOffset()).isEqualTo(2);
        }
    }

    @Test
    void readCommittedSlicesStopBeforeTheLastStableOffsetAcrossSegments() {
        try (PartitionLog log = open(ROLLING)) {
            for (int i = 0; i < 12; i++) {
                plain(log, "p" + i);
            }
            long open = txn(log, A, "a0");
            for (int i = 0; i < 12; i++) {
                plain(log, "q" + i);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);
            assertThat(log.lastStableOffset()).isEqualTo(open);
            for (long from = 0; from <= log.logEndOffset(); from++) {
                ReadResult r = log.read(from, 1 << 20, true, FetchIsolation.TXN_COMMITTED);
                for (RecordBatch b : r.records().batches()) {
                    assertThat(b.lastOffset()).isLessThan(open);
                }
                if (from < open) {
                    assertThat(r.records().sizeInBytes()).isPositive();
                } else {
                    assertThat(r.records().sizeInBytes()).isZero();
                }
            }
            List<RecordBatch> all = readCommitted(log, 0, new ArrayList<>());
            assertThat(all).extracting(RecordBatch::baseOffset).hasSize((int) open).endsWith(open - 1);
        }
    }

    @Test
    void abortedTransactionsAreIndexedInTheMarkersSegmentAndFoundForOverlappingRanges() throws Exception {
        try (PartitionLog log = open(ROLLING)) {
            long a0 = txn(log, A, "a0");
            long b0 = txn(log, B, "b0");
            for (int i = 0; i < 15; i++) {
                plain(log, "p" + i);
                txn(log, A, "a" + (i + 1));
            }
            long abortA = end(log, A, false);
            long c0 = txn(log, C, "c0");
            long commitB = end(log, B, true);
            long abortC = end(log, C, false);
            long tail = plain(log, "tail");
            assertThat(log.segmentBaseOffsets().get(0)).isLessThan(a0 + 1);
            assertThat(log.segmentBaseOffsets()).hasSizeGreaterThan(2);
            assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());

            // Both aborts are in the .txnindex of the segment holding their markers, in Kafka's layout.
            long markerSegment = log.segmentBaseOffsets().stream().filter(base -> base <= abortA)
                    .reduce((x, y) -> y).orElseThrow();
            assertThat(txnIndexFiles()).hasSize(1);
            assertThat(txnIndexFiles().get(0).getFileName().toString())
                    .isEqualTo(LogSegment.fileName(markerSegment, ".txnindex"));
            List<long[]> entries = txnIndexEntries(txnIndexFiles().get(0));
            assertThat(entries).hasSize(2);
            // When A aborted, B was still open: the LSO at that moment was B's first offset.
            assertThat(entries.get(0)).containsExactly(A, a0, abortA, b0);
            assertThat(entries.get(1)).containsExactly(C, c0, abortC, abortC + 1);

            // A transaction starting in the first segment is found from there although its marker is later.
            ReadResult first = log.read(0, 200, true, FetchIsolation.TXN_COMMITTED);
            assertThat(first.abortedTransactions()).extracting(AbortedTxn::producerId).containsExactly(A);
            assertThat(first.abortedTransactions().get(0).asAbortedTransaction().firstOffset()).isEqualTo(a0);
            // Reading past A's marker: only C overlaps.
            assertThat(log.read(abortA + 1, 10_000, true, FetchIsolation.TXN_COMMITTED).abortedTransactions())
                    .extracting(AbortedTxn::producerId).containsExactly(C);
            assertThat(log.read(tail, 10_000, true, FetchIsolation.TXN_COMMITTED).abortedTransactions()).isEmpty();
            assertThat(log.abortedTransactions(commitB, abortC)).extracting(AbortedTxn::producerId).containsExactly(C);
            // read_uncommitted carries no list.
            assertThat(log.read(0, 10_000, true, FetchIsolation.HIGH_WATERMARK).abortedTransactions()).isNull();
        }
    }

    @Test
    void aCleanRestartKeepsTheIndexAndTheOpenTransaction() throws Exception {
        long b0;
        List<AbortedTxn> before;
        long end;
        try (PartitionLog log = open(ROLLING)) {
            scenario(log);
            b0 = txn(log, B, "b-open");
            before = allAborted(log);
            end = log.logEndOffset();
        }
        byte[] indexBytes = Files.readAllBytes(txnIndexFiles().get(0));
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(end))) {
            assertThat(allAborted(log)).isEqualTo(before).isNotEmpty();
            assertThat(Files.readAllBytes(txnIndexFiles().get(0))).isEqualTo(indexBytes);
            assertThat(log.lastStableOffset()).isEqualTo(b0);
            long commit = end(log, B, true);
            assertThat(log.lastStableOffset()).isEqualTo(commit + 1);
        }
    }

    @Test
    void anUncleanRestartRebuildsLostIndexEntriesWithTheProducerStateOfEarlierSegments() throws Exception {
        List<AbortedTxn> before;
        long end;
        try (PartitionLog log = open(ROLLING)) {
            scenario(log);
            before = allAborted(log);
            end = log.logEndOffset();
        }
        assertThat(before).hasSize(2);
        // The page cache lost the index writes but kept the log's.
        for (Path file : txnIndexFiles()) {
            Files.delete(file);
        }
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withRecoveryPoint(0))) {
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(allAborted(log)).isEqualTo(before);
        }
        // Again, recovering only from the last segment: its aborts started in earlier segments.
        try (PartitionLog log = open(ROLLING)) {
            end = log.logEndOffset();
        }
        for (Path file : txnIndexFiles()) {
            new RandomAccessFile(file.toFile(), "rw").setLength(0);
        }
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withRecoveryPoint(end))) {
            assertThat(allAborted(log)).isEqualTo(before);
        }
    }

    @Test
    void aTornMarkerIsForgottenByRecoveryAndItsTransactionIsOpenAgain() throws Exception {
        long a0;
        long abortA;
        try (PartitionLog log = open(Map.of())) {
            plain(log, "p0");
            a0 = txn(log, A, "a0");
            txn(log, A, "a1");
            abortA = end(log, A, false);
            assertThat(allAborted(log)).hasSize(1);
            assertThat(log.lastStableOffset()).isEqualTo(abortA + 1);
        }
        // The marker batch is the last one: tear it.
        Path segment = dir().resolve(LogSegment.fileName(0, ".log"));
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(raf.length() - 5);
        }
        Files.deleteIfExists(dir().resolve(io.sluice.transactions.producer.ProducerSnapshotFiles.fileName(abortA + 1)));
        try (PartitionLog log = open(Map.of(), LogOptions.defaults().withRecoveryPoint(0))) {
            assertThat(log.logEndOffset()).isEqualTo(abortA);
            assertThat(allAborted(log)).isEmpty();
            assertThat(txnIndexEntries(dir().resolve(LogSegment.fileName(0, ".txnindex")))).isEmpty();
            assertThat(log.lastStableOffset()).isEqualTo(a0);
            long abortAgain = end(log, A, false);
            assertThat(allAborted(log)).containsExactly(new AbortedTxn(A, a0, abortAgain, abortAgain + 1));
        }
    }

    @Test
    void aCorruptIndexIsRebuiltEvenAfterACleanShutdown() throws Exception {
        List<AbortedTxn> before;
        long end;
        try (PartitionLog log = open(ROLLING)) {
            scenario(log);
            before = allAborted(log);
            end = log.logEndOffset();
        }
        Path file = txnIndexFiles().get(0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 3);
        }
        try (PartitionLog log = open(ROLLING, LogOptions.defaults().withCleanShutdown(true).withRecoveryPoint(end))) {
            assertThat(allAborted(log)).isEqualTo(before);
            assertThat(Files.size(file) % 34).isZero();
        }
    }

    @Test
    void retentionDeletesTheTransactionIndexWithItsSegment() throws Exception {
        try (PartitionLog log = open(ROLLING)) {
            scenario(log);
            for (int i = 0; i < 20; i++) {
                plain(log, "later" + i);
            }
            List<Path> indexes = txnIndexFiles();
            assertThat(indexes).isNotEmpty();
            log.deleteRecordsBefore(log.segmentBaseOffsets().get(log.numberOfSegments() - 1));
            assertThat(log.deleteOldSegments()).isPositive();
            for (Path index : indexes) {
                assertThat(index).doesNotExist();
            }
            assertThat(allAborted(log)).isEmpty();
        }
    }

    @Test
    void compactionKeepsMarkersAndTheIndexAndLeavesOpenTransactionsAlone() throws Exception {
        Map<String, String> compacted = new HashMap<>(ROLLING);
        compacted.put("cleanup.policy", "compact");
        compacted.put("min.compaction.lag.ms", "0");
        LogCleaner cleaner = new LogCleaner();
        try (PartitionLog log = open(compacted)) {
            scenario(log);
            for (int i = 0; i < 20; i++) {
                plain(log, "dup");
            }
            List<AbortedTxn> before = allAborted(log);
            long markers = countControlBatches(log);
            assertThat(cleaner.clean(log)).isPositive();
            assertThat(allAborted(log)).isEqualTo(before);
            assertThat(countControlBatches(log)).isEqualTo(markers);
        }
        Files.walk(dir()).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        sequences.clear();
        try (PartitionLog log = open(compacted)) {
            long open = txn(log, A, "a0");
            for (int i = 0; i < 30; i++) {
                plain(log, "dup");
            }
            long size = log.size();
            assertThat(log.lastStableOffset()).isEqualTo(open);
            assertThat(cleaner.clean(log)).isZero();
            assertThat(log.size()).isEqualTo(size);
            end(log, A, true);
            plain(log, "roll");
            assertThat(cleaner.clean(log)).isPositive();
            assertThat(log.size()).isLessThan(size);
        }
    }

    @Test
    void appendListenersHearOfMarkersToo() {
        try (PartitionLog log = open(Map.of())) {
            List<TopicPartition> heard = new CopyOnWriteArrayList<>();
            java.util.function.Consumer<TopicPartition> listener = heard::add;
            log.addAppendListener(listener);
            log.addAppendListener(listener);
            txn(log, A, "a0");
            end(log, A, true);
            assertThat(heard).containsExactly(TP, TP);
            log.removeAppendListener(listener);
            plain(log, "p");
            assertThat(heard).hasSize(2);
        }
    }

    /** A aborted across segments while B is open, B committed, C aborted: two index entries. */
    private void scenario(PartitionLog log) {
        txn(log, A, "a0");
        txn(log, B, "b0");
        for (int i = 0; i < 15; i++) {
            plain(log, "p" + i);
            txn(log, A, "a" + (i + 1));
        }
        end(log, A, false);
        txn(log, C, "c0");
        end(log, B, true);
        end(log, C, false);
        plain(log, "tail");
    }

    private static long countControlBatches(PartitionLog log) {
        long count = 0;
        for (LogSegment segment : log.segmentsSnapshot()) {
            for (RecordBatch b : segment.log().batches()) {
                if (b.isControlBatch()) {
                    count++;
                }
            }
        }
        return count;
    }
}
