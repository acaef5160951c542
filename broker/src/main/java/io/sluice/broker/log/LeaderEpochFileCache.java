package io.sluice.broker.log;

import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The partition's leader epochs and the offset at which each began, as Kafka's
 * {@code LeaderEpochFileCache}: the {@code leader-epoch-checkpoint} file in the partition directory,
 * <pre>
 * 0              version
 * 2              number of entries
 * 0 0            epoch start-offset, ascending in both
 * 3 1200
 * </pre>
 * rewritten (temp file, fsync, rename) on every change. Entries are added when a batch of a newer
 * epoch is appended (leader or follower) and when a broker becomes leader (the new epoch starts at
 * its log end); truncation removes entries starting at or above the new log end.
 *
 * <p>{@link #endOffsetFor} answers OffsetForLeaderEpoch: the largest epoch at or below the one asked
 * for, and the offset where the next epoch began (the log end for the latest epoch).
 */
public final class LeaderEpochFileCache {
    private static final Logger log = LoggerFactory.getLogger(LeaderEpochFileCache.class);
    static final String FILE = "leader-epoch-checkpoint";

    /** An epoch and the first offset after it (or -1/-1 when the epoch is older than any known). */
    public record EpochEndOffset(int epoch, long endOffset) {
    }

    private final Path file;
    private final TreeMap<Integer, Long> epochs = new TreeMap<>();

    private LeaderEpochFileCache(Path file) {
        this.file = file;
    }

    /** Loads the checkpoint in {@code dir}; null when there is none (the caller rebuilds from the log). */
    static LeaderEpochFileCache load(Path dir) {
        LeaderEpochFileCache cache = new LeaderEpochFileCache(dir.resolve(FILE));
        if (!Files.exists(cache.file)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(cache.file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
                return null;
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) {
                return null;
            }
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split("\\s+");
                cache.epochs.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            }
            return cache;
        } catch (IOException | RuntimeException e) {
            // Rebuilt from the batch headers by the caller; worth a line since it means a damaged file.
            log.warn("Ignoring unreadable leader epoch checkpoint in {}: {}", dir, e.toString());
            return null;
        }
    }

    static LeaderEpochFileCache empty(Path dir) {
        return new LeaderEpochFileCache(dir.resolve(FILE));
    }

    /** Records that {@code epoch} starts at {@code startOffset}, if it is newer than the latest epoch. */
    synchronized boolean assign(int epoch, long startOffset) {
        if (epoch < 0 || (!epochs.isEmpty() && epoch <= epochs.lastKey())) {
            return false;
        }
        epochs.put(epoch, startOffset);
        return true;
    }

    /** Drops epochs that start at or after {@code endOffset} (the log was truncated there). */
    synchronized boolean truncateFromEnd(long endOffset) {
        return epochs.values().removeIf(start -> start >= endOffset);
    }

    public synchronized int latestEpoch() {
        return epochs.isEmpty() ? -1 : epochs.lastKey();
    }

    /** The epoch of the batches just below {@code offset}: the newest epoch starting before it, or -1. */
    synchronized int epochBefore(long offset) {
        for (Map.Entry<Integer, Long> e : epochs.descendingMap().entrySet()) {
            if (e.getValue() < offset) {
                return e.getKey();
            }
        }
        return -1;
    }

    public synchronized EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        Map.Entry<Integer, Long> floor = epochs.floorEntry(requestedEpoch);
        if (floor == null) {
            return new EpochEndOffset(-1, -1);
        }
        Map.Entry<Integer, Long> next = epochs.higherEntry(floor.getKey());
        return new EpochEndOffset(floor.getKey(), next == null ? logEndOffset : next.getValue());
    }

    synchronized Map<Integer, Long> entries() {
        return new TreeMap<>(epochs);
    }

    synchronized void flush() {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                w.write("0\n" + epochs.size() + "\n");
                for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
                    w.write(e.getKey() + " " + e.getValue() + "\n");
                }
            }
            Utils.atomicMoveWithFallback(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }
}
