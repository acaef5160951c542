package io.sluice.broker.log;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's key → latest offset map, in a fixed amount of memory (Kafka's {@code SkimpyOffsetMap}).
 *
 * <p>Layout: one byte array of {@code slots} entries, each the 16-byte MD5 digest of a key followed by
 * the 8-byte offset; open addressing with linear probing from a position taken from the digest. Keys
 * themselves are never stored, so the memory is {@code 24 * slots} bytes whatever the key sizes. Two keys
 * with the same digest would be taken for one; with MD5 that is as unlikely as a disk error, and Kafka
 * accepts the same risk.
 *
 * <p>The cleaner fills it only up to {@code loadFactor * slots} entries ({@link #isFull}) so probes stay
 * short; a dirty section with more keys is cleaned in several passes. Not thread-safe: each cleaner
 * thread owns one.
 */
final class SkimpyOffsetMap {
    static final int HASH_SIZE = 16;
    static final int BYTES_PER_ENTRY = HASH_SIZE + Long.BYTES;
    private static final byte[] EMPTY_HASH = new byte[HASH_SIZE];

    private final ByteBuffer bytes;
    private final int slots;
    private final int maxEntries;
    private final MessageDigest digest;
    private final byte[] hash = new byte[HASH_SIZE];
    private final byte[] probe = new byte[HASH_SIZE];
    private int entries;
    private long latestOffset = -1L;

    /**
     * @param memory     bytes for the table (at least one entry's worth)
     * @param loadFactor fraction of the slots the cleaner may fill, in (0, 1]
     */
    SkimpyOffsetMap(int memory, double loadFactor) {
        if (memory < BYTES_PER_ENTRY) {
            throw new IllegalArgumentException("The dedupe buffer of " + memory + " bytes cannot hold one entry of "
                    + BYTES_PER_ENTRY + " bytes");
        }
        this.slots = memory / BYTES_PER_ENTRY;
        this.bytes = ByteBuffer.allocate(slots * BYTES_PER_ENTRY);
        this.maxEntries = Math.max(1, (int) (slots * loadFactor));
        try {
            this.digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    int slots() {
        return slots;
    }

    /** Bytes the table holds on the heap: fixed at construction, whatever the number of keys put. */
    int memory() {
        return bytes.capacity();
    }

    /** How many distinct keys the cleaner may put before the map counts as full. */
    int maxEntries() {
        return maxEntries;
    }

    int size() {
        return entries;
    }

    boolean isFull() {
        return entries >= maxEntries;
    }

    /** Room for {@code more} new keys without passing the load factor. */
    boolean hasRoomFor(int more) {
        return (long) entries + more <= maxEntries;
    }

    /** Highest offset the map covers: records above it were not looked at. */
    long latestOffset() {
        return latestOffset;
    }

    void updateLatestOffset(long offset) {
        latestOffset = offset;
    }

    /** Records {@code offset} as the latest for {@code key} (the key's bytes from position to limit). */
    void put(ByteBuffer key, long offset) {
        hashInto(key, hash);
        int attempt = 0;
        int position;
        while (true) {
            position = positionOf(hash, attempt++);
            readHash(position, probe);
            if (Arrays.equals(probe, EMPTY_HASH)) {
                entries++;
                bytes.position(position);
                bytes.put(hash);
                break;
            }
            if (Arrays.equals(probe, hash)) {
                break;
            }
            if (attempt > slots) {
                throw new IllegalStateException("The offset map is full");
            }
        }
        bytes.putLong(position + HASH_SIZE, offset);
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(ByteBuffer key) {
        hashInto(key, hash);
        for (int attempt = 0; attempt <= slots; attempt++) {
            int position = positionOf(hash, attempt);
            readHash(position, probe);
            if (Arrays.equals(probe, EMPTY_HASH)) {
                return -1L;
            }
            if (Arrays.equals(probe, hash)) {
                return bytes.getLong(position + HASH_SIZE);
            }
        }
        return -1L;
    }

    /** Empties the map for the next pass (the memory is kept). */
    void clear() {
        Arrays.fill(bytes.array(), (byte) 0);
        entries = 0;
        latestOffset = -1L;
    }

    private void readHash(int position, byte[] into) {
        System.arraycopy(bytes.array(), position, into, 0, HASH_SIZE);
    }

    /**
     * A slot for the attempt'th probe. The all-zero digest marks an empty slot; a key hashing to it
     * (one chance in 2^128) is stored with its last byte flipped, which changes nothing else.
     */
    private int positionOf(byte[] digestBytes, int attempt) {
        int start = ((digestBytes[0] & 0xff) << 24 | (digestBytes[1] & 0xff) << 16 | (digestBytes[2] & 0xff) << 8
                | (digestBytes[3] & 0xff)) & Integer.MAX_VALUE;
        return (int) ((start + (long) attempt) % slots) * BYTES_PER_ENTRY;
    }

    private void hashInto(ByteBuffer key, byte[] into) {
        digest.update(key.duplicate());
        try {
            digest.digest(into, 0, HASH_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        if (Arrays.equals(into, EMPTY_HASH)) {
            into[HASH_SIZE - 1] = 1;
        }
    }

    /** Fraction of the slots in use, for the cleaner's log line. */
    double utilization() {
        return (double) entries / slots;
    }
}
