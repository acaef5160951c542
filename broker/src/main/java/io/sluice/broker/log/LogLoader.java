package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns a partition directory into a consistent set of segments, whatever state a crash left it in:
 * <ol>
 *   <li>finishes or discards interrupted cleaner swaps: {@code .cleaned} files are discarded (the swap
 *       never committed); a {@code <base>.log.swap} file committed, so it replaces the segments it was
 *       cleaned from (those based in {@code [base, its next offset)}) and its indexes are rebuilt;
 *       {@code .deleted} files are removed;</li>
 *   <li>opens every {@code <base>.log} and rebuilds indexes that are missing or corrupt;</li>
 *   <li>after an unclean shutdown, recovers every segment from the one holding the recovery point:
 *       at the first invalid or torn batch the segment is truncated and all later segments are
 *       deleted; after a clean shutdown only the last segment's tail is checked;</li>
 *   <li>derives the log end offset from the last segment and the log start offset from the
 *       checkpoint and the first segment.</li>
 * </ol>
 * Every segment it recovers has an empty {@code .txnindex} afterwards; {@link LoadedLog#txnIndexesToRebuild()}
 * names them, and {@link ProducerStateManager#load} refills them.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);
    private static final Pattern SEGMENT_LOG = Pattern.compile("(\\d{20})\\.log");
    private static final Pattern SWAP_LOG = Pattern.compile("(\\d{20})\\.log\\.swap");

    record LoadedLog(ConcurrentSkipListMap<Long, LogSegment> segments, long logStartOffset, long recoveryPoint,
                     long logEndOffset, Set<Long> txnIndexesToRebuild) {
    }

    private LogLoader() {
    }

    static LoadedLog load(Path dir, TopicPartition tp, LogConfig config, LogOptions options) throws IOException {
        Files.createDirectories(dir);
        long now = options.time().milliseconds();
        finishInterruptedSwaps(dir, tp);

        ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
        for (String name : list(dir)) {
            Matcher m = SEGMENT_LOG.matcher(name);
            if (m.matches()) {
                long base = Long.parseLong(m.group(1));
                segments.put(base, LogSegment.open(dir, base, config, now, ""));
            }
        }

        Set<LogSegment> recovered = new HashSet<>();
        for (LogSegment segment : segments.values()) {
            String why = indexProblem(segment);
            if (why != null) {
                log.warn("Log {}: rebuilding the indexes of segment {} ({})", tp, segment.baseOffset(), why);
                report(tp, segment, segment.recover());
                recovered.add(segment);
            }
        }

        if (!segments.isEmpty()) {
            if (options.cleanShutdown()) {
                LogSegment last = segments.lastEntry().getValue();
                if (!recovered.contains(last) && !last.tailIsValid()) {
                    log.warn("Log {}: the tail of segment {} is damaged despite a clean shutdown; recovering it",
                            tp, last.baseOffset());
                    report(tp, last, last.recover());
                    recovered.add(last);
                }
            } else {
                recoverFrom(tp, segments, options.recoveryPoint(), recovered);
            }
        }

        if (segments.isEmpty()) {
            long base = Math.max(0, options.logStartOffset());
            segments.put(base, LogSegment.create(dir, base, config, now, ""));
        }
        LogSegment active = segments.lastEntry().getValue();
        for (LogSegment segment : recovered) {
            if (segment != active) {
                segment.onBecomeInactive();
            }
            segment.flush();
        }
        active.makeActive();
        long logEndOffset = active.readNextOffset();
        long logStartOffset = Math.max(options.logStartOffset(), segments.firstKey());
        if (logStartOffset > logEndOffset) {
            log.warn("Log {}: checkpointed log start offset {} is beyond the log end offset {}; starting empty there",
                    tp, logStartOffset, logEndOffset);
            for (LogSegment segment : segments.values()) {
                segment.closeAndDelete();
            }
            segments.clear();
            segments.put(logStartOffset, LogSegment.create(dir, logStartOffset, config, now, ""));
            segments.lastEntry().getValue().makeActive();
            logEndOffset = logStartOffset;
        }
        // Recovered segments were just flushed, and after a clean shutdown everything was.
        Set<Long> rebuild = new HashSet<>();
        for (LogSegment segment : recovered) {
            if (segments.get(segment.baseOffset()) == segment) {
                rebuild.add(segment.baseOffset());
            }
        }
        return new LoadedLog(segments, logStartOffset, logEndOffset, logEndOffset, rebuild);
    }

    private static void recoverFrom(TopicPartition tp, ConcurrentSkipListMap<Long, LogSegment> segments,
                                    long recoveryPoint, Set<LogSegment> recovered) throws IOException {
        Long from = segments.floorKey(recoveryPoint);
        if (from == null) {
            from = segments.firstKey();
        }
        int scanned = 0;
        List<LogSegment> tail = new ArrayList<>(segments.tailMap(from, true).values());
        for (int i = 0; i < tail.size(); i++) {
            LogSegment segment = tail.get(i);
            LogSegment.RecoveryResult result = segment.recover();
            recovered.add(segment);
            scanned++;
            if (result != null) {
                report(tp, segment, result);
                for (LogSegment later : tail.subList(i + 1, tail.size())) {
                    log.warn("Recovered log {}: deleted segment {} ({} bytes) after the truncation point",
                            tp, later.baseOffset(), later.size());
                    segments.remove(later.baseOffset());
                    recovered.remove(later);
                    later.closeAndDelete();
                }
                return;
            }
        }
        log.info("Recovered log {} after an unclean shutdown: scanned {} segment(s) from offset {}, no damage",
                tp, scanned, from);
    }

    private static void report(TopicPartition tp, LogSegment segment, LogSegment.RecoveryResult result) {
        if (result != null) {
            log.warn("Recovered log {}: truncated {} bytes of {} at offset {} (segment {})", tp,
                    result.truncatedBytes(), result.reason().equals("torn batch") ? "torn tail" : "bad data: "
                            + result.reason(), result.offset(), segment.baseOffset());
        }
    }

    private static String indexProblem(LogSegment segment) {
        if (segment.indexesWereMissing()) {
            return "index file missing";
        }
        try {
            segment.sanityCheckIndexes();
            return null;
        } catch (AbstractIndex.CorruptIndexException e) {
            return e.getMessage();
        }
    }

    /**
     * A {@code <base>.log.swap} is a cleaned segment whose swap committed: it replaces every segment whose
     * base offset falls in {@code [base, its next offset)} (the group it was cleaned from; a trailing
     * member emptied by the cleaning, if any, stays, which only keeps superseded records). Its indexes are
     * dropped and rebuilt, its transaction index by the producer-state replay.
     */
    private static void finishInterruptedSwaps(Path dir, TopicPartition tp) throws IOException {
        List<String> names = list(dir);
        for (String name : names) {
            if (name.endsWith(LogSegment.CLEANED) || name.endsWith(LogSegment.DELETED)) {
                Files.deleteIfExists(dir.resolve(name));
            } else if (name.endsWith(LogSegment.INDEX + LogSegment.SWAP)
                    || name.endsWith(LogSegment.TIME_INDEX + LogSegment.SWAP)
                    || name.endsWith(LogSegment.TXN_INDEX + LogSegment.SWAP)) {
                Files.deleteIfExists(dir.resolve(name));
            }
        }
        for (String name : names) {
            Matcher m = SWAP_LOG.matcher(name);
            if (!m.matches()) {
                continue;
            }
            long base = Long.parseLong(m.group(1));
            long next = nextOffsetOf(dir.resolve(name), base);
            for (String other : list(dir)) {
                Matcher old = SEGMENT_LOG.matcher(other);
                if (old.matches()) {
                    long oldBase = Long.parseLong(old.group(1));
                    if (oldBase >= base && (oldBase < next || oldBase == base)) {
                        deleteSegmentFiles(dir, oldBase);
                        if (oldBase != base) {
                            log.info("Log {}: removed segment {}, replaced by the cleaned segment {}", tp, oldBase,
                                    base);
                        }
                    }
                }
            }
            deleteSegmentFiles(dir, base);
            Files.move(dir.resolve(name), LogSegment.file(dir, base, LogSegment.LOG).toPath(),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            log.info("Log {}: completed an interrupted compaction swap of segment {}", tp, base);
        }
    }

    private static void deleteSegmentFiles(Path dir, long base) throws IOException {
        for (String ext : new String[] {LogSegment.LOG, LogSegment.INDEX, LogSegment.TIME_INDEX, LogSegment.TXN_INDEX}) {
            Files.deleteIfExists(LogSegment.file(dir, base, ext).toPath());
        }
    }

    /** Offset after the last whole batch of a segment file (its base offset when it has none). */
    private static long nextOffsetOf(Path file, long base) throws IOException {
        long next = base;
        try (FileRecords records = FileRecords.open(file.toFile(), false)) {
            for (FileChannelRecordBatch batch : records.batches()) {
                next = batch.nextOffset();
            }
        } catch (org.apache.kafka.common.errors.CorruptRecordException e) {
            // A torn tail: the batches before it count; recovery truncates the rest.
        }
        return next;
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
