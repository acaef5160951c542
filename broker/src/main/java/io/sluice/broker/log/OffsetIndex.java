package io.sluice.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Sparse map from offset to the file position of the batch holding it: {@code <base>.index}.
 *
 * <p>Entry (8 bytes, big-endian): {@code int32 offset - baseOffset}, {@code int32 position in the .log}.
 * An entry names the first offset of a batch and that batch's position, and is written about every
 * {@code index.interval.bytes} of log. A lookup gives the greatest entry at or below the target; the
 * caller scans batches forward from its position, so the scan is at most one index interval long.
 * Offsets strictly increase, positions never decrease.
 */
final class OffsetIndex extends AbstractIndex {
    private static final int ENTRY_SIZE = 8;

    /** An offset and the file position to start scanning from to find it. */
    record OffsetPosition(long offset, int position) {
    }

    OffsetIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    @Override
    protected long keyAt(ByteBuffer buffer, int slot) {
        return buffer.getInt(slot * ENTRY_SIZE);
    }

    @Override
    protected void checkEntries(ByteBuffer buffer, int entries) {
        for (int slot = 0; slot < entries; slot++) {
            int relative = buffer.getInt(slot * ENTRY_SIZE);
            int position = buffer.getInt(slot * ENTRY_SIZE + 4);
            if (relative < 0 || position < 0
                    || (slot > 0 && position < buffer.getInt((slot - 1) * ENTRY_SIZE + 4))) {
                throw new CorruptIndexException("Offset index " + file() + " has a bad entry at slot " + slot);
            }
        }
    }

    void append(long offset, int position) {
        int relative = relativeOffset(offset);
        int count = entryCount();
        if (count > 0 && relative <= keyAt(view(), count - 1)) {
            throw new IllegalArgumentException("Offset " + offset + " is not above the last entry of " + file());
        }
        appendEntry(buffer -> buffer.putInt(relative).putInt(position));
    }

    /** Greatest indexed offset at or below {@code target}, or the segment start when there is none. */
    OffsetPosition lookup(long target) {
        ByteBuffer buffer = view();
        int count = entryCount();
        long relative = target - baseOffset;
        int slot = largestLowerBoundSlot(buffer, count, relative);
        if (slot < 0) {
            return new OffsetPosition(baseOffset, 0);
        }
        return new OffsetPosition(baseOffset + buffer.getInt(slot * ENTRY_SIZE), buffer.getInt(slot * ENTRY_SIZE + 4));
    }

    /** The last entry, or the segment start when there is none. */
    OffsetPosition lastEntry() {
        ByteBuffer buffer = view();
        int count = entryCount();
        if (count == 0) {
            return new OffsetPosition(baseOffset, 0);
        }
        int slot = count - 1;
        return new OffsetPosition(baseOffset + buffer.getInt(slot * ENTRY_SIZE), buffer.getInt(slot * ENTRY_SIZE + 4));
    }

    /** Removes entries for offsets at or above {@code offset}. */
    void truncateTo(long offset) {
        ByteBuffer buffer = view();
        int count = entryCount();
        int slot = largestLowerBoundSlot(buffer, count, offset - baseOffset);
        int keep = slot < 0 ? 0 : (keyAt(buffer, slot) == offset - baseOffset ? slot : slot + 1);
        truncateToSlot(keep);
    }
}
