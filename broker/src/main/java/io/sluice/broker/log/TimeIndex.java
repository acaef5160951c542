package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.RecordBatch;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Sparse map from timestamp to offset: {@code <base>.timeindex}.
 *
 * <p>Entry (12 bytes, big-endian): {@code int64 timestamp}, {@code int32 offset - baseOffset}. An
 * entry {@code (t, o)} says: the largest timestamp in the segment up to and including the batch that
 * starts at {@code o} is {@code t}, and no batch before {@code o} reaches {@code t}. Entries are only
 * added when the running maximum grows, so timestamps strictly increase and offsets never decrease.
 * To find the first record with timestamp &gt;= T, start scanning at the greatest entry with timestamp
 * &lt;= T: every batch before its offset is older than T.
 *
 * <p>When a segment stops being active the running maximum is written as a final entry, so after a
 * clean shutdown the last entry is the segment's largest timestamp.
 */
final class TimeIndex extends AbstractIndex {
    private static final int ENTRY_SIZE = 12;

    /** A timestamp and the offset of the batch where the segment's running maximum reached it. */
    record TimestampOffset(long timestamp, long offset) {
    }

    TimeIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    @Override
    protected long keyAt(ByteBuffer buffer, int slot) {
        return buffer.getLong(slot * ENTRY_SIZE);
    }

    @Override
    protected void checkEntries(ByteBuffer buffer, int entries) {
        for (int slot = 0; slot < entries; slot++) {
            int relative = buffer.getInt(slot * ENTRY_SIZE + 8);
            if (relative < 0 || (slot > 0 && relative < buffer.getInt((slot - 1) * ENTRY_SIZE + 8))) {
                throw new CorruptIndexException("Time index " + file() + " has a bad entry at slot " + slot);
            }
        }
    }

    /**
     * Adds {@code (timestamp, offset)} if the timestamp is above the last entry's. The last slot is
     * kept for the final entry written when the segment stops being active ({@code force}).
     */
    void maybeAppend(long timestamp, long offset, boolean force) {
        if (timestamp == RecordBatch.NO_TIMESTAMP) {
            return;
        }
        TimestampOffset last = lastEntry();
        if (entryCount() > 0 && timestamp <= last.timestamp()) {
            return;
        }
        if (entryCount() >= maxEntries() || (!force && entryCount() >= maxEntries() - 1)) {
            return;
        }
        int relative = relativeOffset(Math.max(offset, last.offset()));
        appendEntry(buffer -> buffer.putLong(timestamp).putInt(relative));
    }

    /** Room is kept for the final entry, so the segment must roll one entry early. */
    @Override
    boolean isFull() {
        return entryCount() >= maxEntries() - 1;
    }

    /** Greatest entry with timestamp &lt;= {@code timestamp}, or (NO_TIMESTAMP, segment start). */
    TimestampOffset lookup(long timestamp) {
        ByteBuffer buffer = view();
        int slot = largestLowerBoundSlot(buffer, entryCount(), timestamp);
        if (slot < 0) {
            return new TimestampOffset(RecordBatch.NO_TIMESTAMP, baseOffset);
        }
        return new TimestampOffset(buffer.getLong(slot * ENTRY_SIZE), baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8));
    }

    /** The last entry, or (NO_TIMESTAMP, segment start) when there is none. */
    TimestampOffset lastEntry() {
        ByteBuffer buffer = view();
        int count = entryCount();
        if (count == 0) {
            return new TimestampOffset(RecordBatch.NO_TIMESTAMP, baseOffset);
        }
        int slot = count - 1;
        return new TimestampOffset(buffer.getLong(slot * ENTRY_SIZE), baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8));
    }
}
