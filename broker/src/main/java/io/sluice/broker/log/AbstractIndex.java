package io.sluice.broker.log;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/**
 * A sparse, sorted, memory-mapped index of fixed-size entries belonging to one segment.
 *
 * <p>On disk the file is a plain array of entries, nothing else: no header, no checksum. While the
 * segment is active the file is preallocated to {@code segment.index.bytes} (rounded down to a whole
 * number of entries) and the unused tail is zeros; when the segment stops being active, and on close,
 * the file is trimmed to exactly {@code entries * entrySize} bytes, so after a clean shutdown the entry
 * count is the file length divided by the entry size. After a crash that is not true of the active
 * segment's index, which is why recovery rebuilds the indexes of every segment it scans.
 *
 * <p>Invariant: keys (offsets, timestamps) strictly increase from one entry to the next; a file that
 * breaks it is corrupt and is rebuilt from the log ({@link #sanityCheck()}).
 *
 * <p>Concurrency: one writer (the partition's appender, under the log's lock) and any number of
 * lock-free readers. Readers work on a {@code duplicate()} of the current mapping and a snapshot of the
 * entry count; the count is volatile and is published after the entry bytes are written.
 */
abstract class AbstractIndex implements Closeable {

    /** The index does not satisfy its invariants and must be rebuilt from the log. */
    static final class CorruptIndexException extends RuntimeException {
        CorruptIndexException(String message) {
            super(message);
        }
    }

    protected final long baseOffset;
    private final int maxIndexSize;
    private volatile File file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;
    private boolean closed;

    AbstractIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.maxIndexSize = maxIndexSize;
        boolean existed = file.exists() && file.length() > 0;
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            if (!existed) {
                raf.setLength(roundDownToEntry(maxIndexSize));
            }
            int length = (int) raf.length();
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            this.entries = existed ? length / entrySize() : 0;
            this.maxEntries = length / entrySize();
            if (existed && length % entrySize() != 0) {
                // A torn trim: remembered so that sanityCheck() reports it.
                this.entries = -1;
            }
        }
    }

    /** Bytes per entry. */
    protected abstract int entrySize();

    /** The sort key stored in the given slot. */
    protected abstract long keyAt(ByteBuffer buffer, int slot);

    /** Checks invariants beyond key ordering; throws {@link CorruptIndexException}. */
    protected abstract void checkEntries(ByteBuffer buffer, int entries);

    private int roundDownToEntry(int size) {
        return size - size % entrySize();
    }

    File file() {
        return file;
    }

    int entries() {
        return Math.max(entries, 0);
    }

    int maxEntries() {
        return maxEntries;
    }

    boolean isFull() {
        return entries() >= maxEntries;
    }

    /** The mapping and entry count as one consistent view for a reader. */
    protected final ByteBuffer view() {
        return mmap.duplicate();
    }

    /** Writes one entry at the end; the caller has checked ordering and {@link #isFull()}. */
    protected final void appendEntry(java.util.function.Consumer<ByteBuffer> writer) {
        if (entries() >= maxEntries) {
            throw new IllegalStateException("Index " + file + " is full (" + maxEntries + " entries)");
        }
        ByteBuffer buffer = mmap.duplicate();
        buffer.position(entries() * entrySize());
        writer.accept(buffer);
        entries = entries() + 1;
    }

    /** Drops entries from {@code slot} on. */
    protected final void truncateToSlot(int slot) {
        entries = Math.max(0, Math.min(slot, entries()));
    }

    /**
     * Slot of the greatest key &lt;= {@code target}, or -1 when every key is greater (or there is none).
     */
    protected final int largestLowerBoundSlot(ByteBuffer buffer, int count, long target) {
        if (count == 0 || keyAt(buffer, 0) > target) {
            return -1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (keyAt(buffer, mid) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Number of entries visible to a reader right now. */
    protected final int entryCount() {
        return entries();
    }

    void sanityCheck() {
        if (entries < 0) {
            throw new CorruptIndexException("Index file " + file + " has length " + file.length()
                    + ", not a multiple of its entry size " + entrySize());
        }
        ByteBuffer buffer = view();
        int count = entries();
        for (int slot = 1; slot < count; slot++) {
            if (keyAt(buffer, slot) <= keyAt(buffer, slot - 1)) {
                throw new CorruptIndexException("Index file " + file + " is not sorted at entry " + slot);
            }
        }
        checkEntries(buffer, count);
    }

    /** Forgets every entry and preallocates the file again, for a rebuild. */
    void reset() {
        entries = 0;
        resize(maxIndexSize, true);
    }

    /** Grows the file back to {@code segment.index.bytes} so that an active segment can index again. */
    void makeWritable() {
        resize(maxIndexSize, false);
    }

    /** Shrinks the file to exactly its entries. */
    void trimToValidSize() {
        resize(entries() * entrySize(), false);
    }

    private synchronized void resize(int newSize, boolean zero) {
        int size = roundDownToEntry(newSize);
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            if (zero) {
                raf.setLength(0);
            }
            raf.setLength(size);
            MappedByteBuffer mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            // Readers may still hold the previous mapping; it stays valid until it is garbage collected.
            mmap = mapped;
            maxEntries = size / entrySize();
            entries = Math.min(entries(), maxEntries);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot resize index " + file, e);
        }
    }

    void flush() {
        mmap.force();
    }

    synchronized void renameTo(File target) throws IOException {
        Files.move(file.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        file = target;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (file.exists()) {
            trimToValidSize();
        }
        closed = true;
    }

    void deleteIfExists() throws IOException {
        Files.deleteIfExists(file.toPath());
    }

    protected final int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " does not fit in the index of the segment at "
                    + baseOffset);
        }
        return (int) relative;
    }
}
