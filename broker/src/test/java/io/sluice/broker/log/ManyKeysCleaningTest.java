package io.sluice.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A compacted log far larger than the cleaner's offset map: 200,000 keys written twice (about 190 MB),
 * the second round in another order, cleaned with a 3 MiB dedupe buffer that holds about 118,000 keys,
 * so the cleaning takes several passes (three), each picking up where the last stopped. Afterwards every key
 * is there once below the active segment, with its second value, and the cleaner never held more than
 * its one fixed-size map.
 */
@Tag("long")
class ManyKeysCleaningTest {
    private static final int KEYS = 200_000;
    private static final int VALUE_SIZE = 440;
    private static final int BATCH = 250;
    private static final int DEDUPE_BUFFER = 3 * 1024 * 1024;

    @TempDir
    Path root;

    @Test
    void cleansInPassesWithinTheDedupeBuffer() throws Exception {
        Map<String, String> cfg = Map.of("cleanup.policy", "compact", "segment.bytes", String.valueOf(16 * 1024 * 1024),
                "min.compaction.lag.ms", "0", "min.cleanable.dirty.ratio", "0.01");
        LogCleaner cleaner = new LogCleaner(CleanerConfig.defaults().withDedupeBufferSize(DEDUPE_BUFFER), List.of(),
                Time.SYSTEM);
        try (PartitionLog log = PartitionLog.open(root.resolve("t-0"), TP, config(cfg), LogOptions.defaults())) {
            writeRound(log, 1, identity());
            writeRound(log, 2, shuffled());
            long activeBase = activeBase(log);
            assertThat(log.logEndOffset()).isEqualTo(2L * KEYS);
            assertThat(activeBase).as("most of the log is cleanable").isGreaterThan(3L * KEYS / 2);

            assertThat(cleaner.clean(log)).isPositive();

            // The memory: one map, of at most the configured bytes, which cannot hold every key.
            List<SkimpyOffsetMap> maps = cleaner.offsetMaps();
            assertThat(maps).hasSize(1);
            SkimpyOffsetMap map = maps.get(0);
            assertThat(map.memory()).isLessThanOrEqualTo(DEDUPE_BUFFER)
                    .isEqualTo(map.slots() * SkimpyOffsetMap.BYTES_PER_ENTRY);
            assertThat(map.maxEntries()).isLessThan(KEYS * 2 / 3);
            assertThat(map.size()).isLessThanOrEqualTo(map.maxEntries());
            // A pass ends where the map is full: the first holds round-one keys only (offsets up to ~118,000),
            // the rest of round one and the start of round two do not fit the second either.
            assertThat(cleaner.cleanings()).isGreaterThanOrEqualTo(3);
            assertThat(cleaner.checkpoint(TP)).contains(activeBase(log));

            assertLatestValueOfEveryKeyOnce(log, activeBase(log));
            assertThat(cleaner.clean(log)).as("nothing left to clean").isZero();
        }
    }

    private static int[] identity() {
        int[] order = new int[KEYS];
        Arrays.setAll(order, i -> i);
        return order;
    }

    /** Every key once, in an order unrelated to the first round (a fixed permutation: 7919 is prime to KEYS). */
    private static int[] shuffled() {
        int[] order = new int[KEYS];
        Arrays.setAll(order, i -> (int) ((i * 7919L + 13) % KEYS));
        return order;
    }

    private static void writeRound(PartitionLog log, int round, int[] order) {
        byte[] pad = new byte[VALUE_SIZE];
        Arrays.fill(pad, (byte) 'x');
        SimpleRecord[] records = new SimpleRecord[BATCH];
        for (int i = 0; i < order.length; i += BATCH) {
            for (int j = 0; j < BATCH; j++) {
                int key = order[i + j];
                byte[] value = Arrays.copyOf(pad, VALUE_SIZE);
                byte[] head = ("r" + round + ":" + key + ":").getBytes(StandardCharsets.UTF_8);
                System.arraycopy(head, 0, value, 0, head.length);
                records[j] = new SimpleRecord(0L, key(key), value);
            }
            log.append(MemoryRecords.withRecords(Compression.NONE, records), 0);
        }
    }

    private static byte[] key(int k) {
        return ("key-" + k).getBytes(StandardCharsets.UTF_8);
    }

    private static long activeBase(PartitionLog log) {
        return log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
    }

    /**
     * Below the active segment each key is there at most once, and with its second-round value unless the
     * active segment holds that; together, every key's latest value is its second-round one.
     */
    private static void assertLatestValueOfEveryKeyOnce(PartitionLog log, long activeBase) {
        BitSet cleanedKeys = new BitSet(KEYS);
        String[] latest = new String[KEYS];
        long offset = log.logStartOffset();
        long kept = 0;
        while (offset < log.logEndOffset()) {
            long next = offset;
            for (RecordBatch batch : log.read(offset, 4 * 1024 * 1024, true).records().batches()) {
                for (Record r : batch) {
                    if (r.offset() < offset) {
                        continue;
                    }
                    int key = Integer.parseInt(text(r.key()).substring("key-".length()));
                    String value = text(r.value());
                    if (r.offset() < activeBase) {
                        assertThat(cleanedKeys.get(key)).as("key %d twice below the active segment", key).isFalse();
                        cleanedKeys.set(key);
                        kept++;
                    }
                    latest[key] = value.substring(0, value.indexOf(':', 3));
                }
                next = batch.nextOffset();
            }
            assertThat(next).as("reading at %d made progress", offset).isGreaterThan(offset);
            offset = next;
        }
        assertThat(kept).isLessThanOrEqualTo(KEYS);
        for (int k = 0; k < KEYS; k++) {
            assertThat(latest[k]).as("latest value of key %d", k).isEqualTo("r2:" + k);
        }
    }

    private static String text(ByteBuffer buffer) {
        return LogTestSupport.string(buffer);
    }
}
