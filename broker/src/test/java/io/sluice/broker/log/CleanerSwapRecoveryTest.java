package io.sluice.broker.log;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static io.sluice.broker.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A crash at each step of a cleaner swap, made by leaving the files as the crash would have
 * ({@link PartitionLog#replaceSegments}): the next open either rolls the cleaning back (nothing committed)
 * or completes it, and never loses a record the cleaning would have kept.
 */
class CleanerSwapRecoveryTest {
    private static final Map<String, String> COMPACT = Map.of("segment.bytes", "2048", "cleanup.policy", "compact",
            "min.compaction.lag.ms", "0", "index.interval.bytes", "200");

    @TempDir
    Path root;

    private Path original;
    private Path cleaned;
    private List<LogTestSupport.Rec> before;
    private List<LogTestSupport.Rec> after;
    /** Base offsets of the cleaned copy's segments that replaced groups of the original's, but the active one. */
    private List<Long> cleanedBases;
    private List<Long> originalBases;

    @BeforeEach
    void makeAnOriginalAndACleanedCopy() throws Exception {
        original = root.resolve("original/t-0");
        try (PartitionLog log = PartitionLog.open(original, TP, config(COMPACT))) {
            for (int i = 0; i < 600; i++) {
                log.append(batch(1_000L + i, "k" + (i % 40), "v" + i + "-" + "y".repeat(i % 50)), 0);
            }
            // a first cleaning leaves small segments, which the next one merges
            new LogCleaner().clean(log);
            for (int i = 600; i < 700; i++) {
                log.append(batch(1_000L + i, "k" + (i % 40), "v" + i + "-" + "y".repeat(i % 50)), 0);
            }
            before = readAll(log);
            originalBases = log.segmentBaseOffsets();
        }
        cleaned = root.resolve("cleaned/t-0");
        copy(original, cleaned, "");
        try (PartitionLog log = PartitionLog.open(cleaned, TP, config(COMPACT))) {
            assertThat(new LogCleaner().clean(log)).isGreaterThan(1);
            after = readAll(log);
            List<Long> bases = log.segmentBaseOffsets();
            cleanedBases = new ArrayList<>(bases.subList(0, bases.size() - 1));
        }
        // several segments were merged into fewer
        assertThat(cleanedBases.size()).isLessThan(originalBases.size() - 1);
        assertThat(after).isNotEqualTo(before);
    }

    private static void copy(Path from, Path to, String suffix) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName() + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The original log plus the cleaned copy's segment files under {@code suffix}, in a fresh dir. */
    private Path crashState(String suffix) throws IOException {
        Path dir = root.resolve("crash" + suffix + System.nanoTime()).resolve("t-0");
        copy(original, dir, "");
        for (long base : cleanedBases) {
            for (String ext : new String[] {LogSegment.LOG, LogSegment.INDEX, LogSegment.TIME_INDEX}) {
                Path file = LogSegment.file(cleaned, base, ext).toPath();
                if (Files.exists(file)) {
                    Files.copy(file, dir.resolve(file.getFileName() + suffix));
                }
            }
        }
        return dir;
    }

    private static List<LogTestSupport.Rec> reopen(Path dir) {
        try (PartitionLog log = PartitionLog.open(dir, TP, config(COMPACT))) {
            return readAll(log);
        }
    }

    private static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(LogSegment.CLEANED) || n.endsWith(LogSegment.SWAP)
                            || n.endsWith(LogSegment.DELETED))
                    .toList();
        }
    }

    @Test
    void crashWhileWritingTheCleanedSegmentRollsBack() throws Exception {
        Path dir = crashState(LogSegment.CLEANED);
        assertThat(reopen(dir)).isEqualTo(before);
        assertThat(leftovers(dir)).isEmpty();
    }

    /**
     * A completed swap: what the cleaning kept is all there. An old segment of the group that the cleaning
     * emptied lies past the cleaned segment's last offset and may survive recovery; it only holds records
     * that later ones supersede, so every key still reads its latest value.
     */
    private void assertCompleted(List<LogTestSupport.Rec> recovered) {
        assertThat(recovered).containsAll(after);
        assertThat(before).containsAll(recovered);
        assertThat(latest(recovered)).isEqualTo(latest(after));
    }

    private static Map<String, String> latest(List<LogTestSupport.Rec> records) {
        Map<String, String> out = new java.util.HashMap<>();
        records.forEach(r -> out.put(r.key(), r.value()));
        return out;
    }

    @Test
    void crashRightAfterTheSwapCommittedCompletesIt() throws Exception {
        Path dir = crashState(LogSegment.SWAP);
        assertCompleted(reopen(dir));
        assertThat(leftovers(dir)).isEmpty();
    }

    @Test
    void crashWithTheIndexesRenamedButNotTheLogRollsBack() throws Exception {
        Path dir = crashState(LogSegment.CLEANED);
        // the indexes already carry .swap, the .log (the commit point) still .cleaned
        for (long base : cleanedBases) {
            for (String ext : new String[] {LogSegment.INDEX, LogSegment.TIME_INDEX}) {
                Path cleanedFile = dir.resolve(LogSegment.fileName(base, ext + LogSegment.CLEANED));
                if (Files.exists(cleanedFile)) {
                    Files.move(cleanedFile, dir.resolve(LogSegment.fileName(base, ext + LogSegment.SWAP)));
                }
            }
        }
        assertThat(reopen(dir)).isEqualTo(before);
    }

    @Test
    void crashWhileTheOldSegmentsAreBeingRemovedCompletesTheSwap() throws Exception {
        Path dir = crashState(LogSegment.SWAP);
        // the first old segments of the group are already renamed to .deleted, the others not yet
        for (long base : originalBases.subList(0, 2)) {
            for (String ext : new String[] {LogSegment.LOG, LogSegment.INDEX, LogSegment.TIME_INDEX}) {
                Path file = dir.resolve(LogSegment.fileName(base, ext));
                if (Files.exists(file)) {
                    Files.move(file, dir.resolve(LogSegment.fileName(base, ext + LogSegment.DELETED)));
                }
            }
        }
        assertCompleted(reopen(dir));
        assertThat(leftovers(dir)).isEmpty();
    }

    @Test
    void crashAfterTheCleanedLogLostItsSuffixLeavesTheCleanedLog() throws Exception {
        Path dir = crashState(LogSegment.SWAP);
        for (long base : originalBases.subList(0, originalBases.size() - 1)) {
            for (String ext : new String[] {LogSegment.LOG, LogSegment.INDEX, LogSegment.TIME_INDEX}) {
                Path file = dir.resolve(LogSegment.fileName(base, ext));
                if (Files.exists(file)) {
                    Files.move(file, dir.resolve(LogSegment.fileName(base, ext + LogSegment.DELETED)));
                }
            }
        }
        for (long base : cleanedBases) {
            Files.move(dir.resolve(LogSegment.fileName(base, LogSegment.LOG + LogSegment.SWAP)),
                    dir.resolve(LogSegment.fileName(base, LogSegment.LOG)));
        }
        assertThat(reopen(dir)).isEqualTo(after);
        assertThat(leftovers(dir)).isEmpty();
    }
}
