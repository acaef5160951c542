package io.sluice.broker.log;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The aborted transactions whose abort marker is in one segment: {@code <base>.txnindex}, Kafka's
 * format, so that a {@code read_committed} fetch can tell the consumer which batches to drop.
 *
 * <p>Entry (34 bytes, big-endian): {@code int16 version (0)}, {@code int64 producerId},
 * {@code int64 firstOffset}, {@code int64 lastOffset} (the marker), {@code int64 lastStableOffset}
 * (see {@link AbortedTxn}). Entries are in marker order, so {@code lastOffset} strictly increases.
 * {@code firstOffset} may lie in an earlier segment: a search for a range must go on into later
 * segments until an entry's {@code lastStableOffset} passes the range's end.
 *
 * <p>The file is created by the first entry (most segments never have one; a missing file is an empty
 * index) and is not memory-mapped: it is append-only and read whole by searches. Everything in it can
 * be rebuilt by replaying the segment's markers with the producer state at the segment's start
 * ({@link ProducerStateManager}).
 *
 * <p>Concurrency: one writer (the log's appender or loader); readers take no lock and read the
 * entries published before they started ({@link #size} is written after the bytes).
 */
final class TransactionIndex implements Closeable {
    static final int ENTRY_SIZE = 34;
    private static final short VERSION = 0;

    private final long baseOffset;
    private volatile File file;
    private volatile FileChannel channel;
    private volatile long size;
    private long lastOffset = -1;

    TransactionIndex(File file, long baseOffset) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        if (file.exists()) {
            channel = openChannel(file);
            size = channel.size();
            if (size >= ENTRY_SIZE && size % ENTRY_SIZE == 0) {
                lastOffset = read(size - ENTRY_SIZE).lastOffset();
            }
        }
    }

    private static FileChannel openChannel(File file) throws IOException {
        return FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    File file() {
        return file;
    }

    /** Appends an aborted transaction; its marker must follow the last one indexed. */
    synchronized void append(AbortedTxn txn) {
        if (txn.lastOffset() <= lastOffset) {
            throw new IllegalArgumentException("Abort marker at " + txn.lastOffset()
                    + " is not above the last indexed marker " + lastOffset + " in " + file);
        }
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
        entry.putShort(VERSION).putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastOffset())
                .putLong(txn.lastStableOffset()).flip();
        try {
            if (channel == null) {
                channel = openChannel(file);
            }
            long position = size;
            while (entry.hasRemaining()) {
                position += channel.write(entry, position);
            }
            size = position;
            lastOffset = txn.lastOffset();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to transaction index " + file, e);
        }
    }

    /** Every entry, oldest first. */
    List<AbortedTxn> all() {
        List<AbortedTxn> out = new ArrayList<>();
        long end = size - size % ENTRY_SIZE;
        for (long position = 0; position < end; position += ENTRY_SIZE) {
            out.add(read(position));
        }
        return out;
    }

    /** What {@link #collectAbortedTxns} found, and whether later segments can hold no more. */
    record SearchResult(List<AbortedTxn> abortedTxns, boolean complete) {
    }

    /**
     * The transactions indexed here that overlap {@code [fetchOffset, upperBoundOffset)}: aborted at or
     * after {@code fetchOffset} and started before {@code upperBoundOffset}. Complete once an entry's
     * last stable offset reaches {@code upperBoundOffset}: anything aborted later started above it.
     */
    SearchResult collectAbortedTxns(long fetchOffset, long upperBoundOffset) {
        List<AbortedTxn> found = new ArrayList<>();
        long end = size - size % ENTRY_SIZE;
        for (long position = 0; position < end; position += ENTRY_SIZE) {
            AbortedTxn txn = read(position);
            if (txn.lastOffset() >= fetchOffset && txn.firstOffset() < upperBoundOffset) {
                found.add(txn);
            }
            if (txn.lastStableOffset() >= upperBoundOffset) {
                return new SearchResult(found, true);
            }
        }
        return new SearchResult(found, false);
    }

    private AbortedTxn read(long position) {
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
        try {
            FileChannel ch = channel;
            while (entry.hasRemaining()) {
                int n = ch.read(entry, position + entry.position());
                if (n < 0) {
                    throw new AbstractIndex.CorruptIndexException("Transaction index " + file + " ends mid-entry");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read transaction index " + file, e);
        }
        entry.flip();
        short version = entry.getShort();
        if (version != VERSION) {
            throw new AbstractIndex.CorruptIndexException("Transaction index " + file + " has an entry of version "
                    + version + " at position " + position);
        }
        return new AbortedTxn(entry.getLong(), entry.getLong(), entry.getLong(), entry.getLong());
    }

    /**
     * Throws {@link AbstractIndex.CorruptIndexException} unless the file is whole entries of the known
     * version, with markers in this segment in increasing order and each transaction starting no later
     * than its marker.
     */
    void sanityCheck() {
        if (size % ENTRY_SIZE != 0) {
            throw new AbstractIndex.CorruptIndexException("Transaction index " + file + " has length " + size
                    + ", not a multiple of " + ENTRY_SIZE);
        }
        long previous = -1;
        for (AbortedTxn txn : all()) {
            if (txn.lastOffset() < baseOffset || txn.lastOffset() <= previous || txn.firstOffset() > txn.lastOffset()) {
                throw new AbstractIndex.CorruptIndexException("Transaction index " + file + " has a bad entry " + txn);
            }
            previous = txn.lastOffset();
        }
    }

    /** Removes entries whose marker is at or above {@code offset} (the log was truncated there). */
    synchronized void truncateTo(long offset) {
        List<AbortedTxn> entries = all();
        int keep = 0;
        while (keep < entries.size() && entries.get(keep).lastOffset() < offset) {
            keep++;
        }
        truncateToEntries(keep);
        lastOffset = keep == 0 ? -1 : entries.get(keep - 1).lastOffset();
    }

    /** Forgets every entry, for a rebuild. */
    synchronized void reset() {
        truncateToEntries(0);
        lastOffset = -1;
    }

    private void truncateToEntries(int entries) {
        if (channel == null) {
            return;
        }
        try {
            size = (long) entries * ENTRY_SIZE;
            channel.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot truncate transaction index " + file, e);
        }
    }

    void flush() throws IOException {
        FileChannel ch = channel;
        if (ch != null) {
            ch.force(true);
        }
    }

    synchronized void renameTo(File target) throws IOException {
        if (file.exists()) {
            Files.move(file.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    void deleteIfExists() throws IOException {
        Files.deleteIfExists(file.toPath());
    }
}
