package io.sluice.transactions.producer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Producer-state snapshot files in a partition directory, named {@code <20-digit offset>.snapshot}
 * like the segments they sit beside, so that lexical and numeric order agree.
 */
public final class ProducerSnapshotFiles {

    public static final String SUFFIX = ".snapshot";
    static final String TEMP_SUFFIX = ".tmp";

    private static final int OFFSET_DIGITS = 20;

    private ProducerSnapshotFiles() {
    }

    public static String fileName(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        return String.format("%0" + OFFSET_DIGITS + "d%s", offset, SUFFIX);
    }

    public static Path path(Path dir, long offset) {
        return dir.resolve(fileName(offset));
    }

    /** The offset a snapshot file is named after, or empty if the name is not a snapshot's. */
    public static OptionalLong offsetOf(Path file) {
        String name = file.getFileName().toString();
        if (name.length() != OFFSET_DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return OptionalLong.empty();
        }
        String digits = name.substring(0, OFFSET_DIGITS);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Offsets of the snapshot files in {@code dir}, ascending; temporary files are not snapshots. */
    public static List<Long> list(Path dir) throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                offsetOf(file).ifPresent(offsets::add);
            }
        }
        offsets.sort(null);
        return offsets;
    }

    /** The newest snapshot taken at or below {@code offset}: where recovery or truncation restarts. */
    public static Optional<Path> latestAtOrBelow(Path dir, long offset) throws IOException {
        List<Long> offsets = list(dir);
        for (int i = offsets.size() - 1; i >= 0; i--) {
            if (offsets.get(i) <= offset) {
                return Optional.of(path(dir, offsets.get(i)));
            }
        }
        return Optional.empty();
    }

    /**
     * Reads the newest readable snapshot at or below {@code offset}. Corrupt ones are deleted on the way,
     * so that the next recovery does not pick them again; empty means replay the whole log.
     */
    public static Optional<ProducerStateSnapshot> loadLatest(Path dir, long offset) throws IOException {
        Optional<Path> candidate = latestAtOrBelow(dir, offset);
        while (candidate.isPresent()) {
            try {
                return Optional.of(ProducerStateSnapshot.read(candidate.get()));
            } catch (CorruptSnapshotException e) {
                Files.deleteIfExists(candidate.get());
                candidate = latestAtOrBelow(dir, offset);
            }
        }
        return Optional.empty();
    }

    /** Deletes snapshots older than {@code offset}, e.g. below the log start offset; returns how many. */
    public static int deleteBelow(Path dir, long offset) throws IOException {
        int deleted = 0;
        for (long snapshotOffset : list(dir)) {
            if (snapshotOffset < offset && Files.deleteIfExists(path(dir, snapshotOffset))) {
                deleted++;
            }
        }
        return deleted;
    }

    /** Deletes snapshots above {@code offset}: after truncation they describe data that is gone. */
    public static int deleteAbove(Path dir, long offset) throws IOException {
        int deleted = 0;
        for (long snapshotOffset : list(dir)) {
            if (snapshotOffset > offset && Files.deleteIfExists(path(dir, snapshotOffset))) {
                deleted++;
            }
        }
        return deleted;
    }

    /** Deletes temporary files a crash mid-write left behind. */
    public static void deleteStrayTempFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX + TEMP_SUFFIX)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }
}
