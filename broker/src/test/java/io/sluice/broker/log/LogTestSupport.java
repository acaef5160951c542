package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders and readers shared by the log tests. */
final class LogTestSupport {
    static final TopicPartition TP = new TopicPartition("t", 0);

    private LogTestSupport() {
    }

    /** A clock the test moves by hand. */
    static final class MockTime implements Time {
        volatile long now;

        MockTime(long now) {
            this.now = now;
        }

        @Override
        public long milliseconds() {
            return now;
        }

        @Override
        public long nanoseconds() {
            return now * 1_000_000L;
        }

        @Override
        public void sleep(long ms) {
            now += ms;
        }
    }

    /** One stored record as a consumer would see it. */
    record Rec(long offset, long timestamp, String key, String value) {
    }

    static LogConfig config(Map<String, String> overrides) {
        return LogConfig.defaults(overrides);
    }

    static MemoryRecords batch(long timestamp, String key, String value) {
        return MemoryRecords.withRecords(Compression.NONE, record(timestamp, key, value));
    }

    static SimpleRecord record(long timestamp, String key, String value) {
        return new SimpleRecord(timestamp, bytes(key), bytes(value));
    }

    static MemoryRecords batch(SimpleRecord... records) {
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every record from the log start offset to the log end, read the way a consumer fetches. */
    static List<Rec> readAll(PartitionLog log) {
        List<Rec> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 4096, true);
            long next = offset;
            for (RecordBatch batch : result.records().batches()) {
                for (Record r : batch) {
                    if (r.offset() >= offset) {
                        out.add(new Rec(r.offset(), r.timestamp(), string(r.key()), string(r.value())));
                    }
                }
                next = batch.nextOffset();
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return out;
    }

    static String string(java.nio.ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
