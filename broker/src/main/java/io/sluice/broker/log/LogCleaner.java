package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Compaction of logs with {@code cleanup.policy=compact}, after Kafka's log cleaner: keeps the latest
 * record per key, removes aborted transactions' data, and removes tombstones and transaction markers
 * once {@code delete.retention.ms} has passed since they were first cleaned.
 *
 * <p>{@code log.cleaner.threads} threads each loop: take the filthiest compacted log from the
 * {@link LogCleanerManager} (dirty ratio above {@code min.cleanable.dirty.ratio}, or dirty records past
 * {@code max.compaction.lag.ms}), clean it once with their own {@link SkimpyOffsetMap}
 * ({@code log.cleaner.dedupe.buffer.size} split between the threads, allocated on first use), record the
 * new first dirty offset in the cleaner checkpoint; sleep {@code log.cleaner.backoff.ms} when no log
 * needs cleaning. All threads share one I/O throttle ({@code log.cleaner.io.max.bytes.per.second}).
 * The active segment, segments reaching past the last stable offset and segments younger than
 * {@code min.compaction.lag.ms} are never cleaned.
 *
 * <p>A cleaning may cover only part of the dirty section when it holds more keys than the offset map;
 * the next cleaning continues from there. A crash at any moment leaves either the old segments or the
 * committed swap, which the next start completes ({@link PartitionLog#replaceSegments}, {@link LogLoader}).
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    private static final double MIB = 1024.0 * 1024.0;

    private final CleanerConfig config;
    private final Time time;
    private final LogCleanerManager manager;
    private final Throttler throttler;
    private final List<CleanerThread> threads = new ArrayList<>();
    private Cleaner onDemand;
    private volatile long backoffMs;
    /**
     * Released by {@link #close}. Cleaner threads are never interrupted (as Kafka's): an interrupt during
     * file I/O closes the segment's FileChannel, which the live log shares. They stop at the next abort
     * check or wake from their backoff instead.
     */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final LongAdder cleanings = new LongAdder();

    /** A cleaner without threads or checkpoint files, for {@link #clean(PartitionLog)} (tests, tools). */
    public LogCleaner() {
        this(CleanerConfig.defaults().withDedupeBufferSize(4L * 1024 * 1024), List.of(), Time.SYSTEM);
    }

    public LogCleaner(CleanerConfig config, List<Path> logDirs, Time time) {
        this.config = config;
        this.time = time;
        this.manager = new LogCleanerManager(logDirs);
        this.throttler = new Throttler(config.maxIoBytesPerSecond(), time);
        this.backoffMs = config.backoffMs();
    }

    /** Starts the cleaner threads over the logs {@code logs} supplies (unless {@code log.cleaner.enable=false}). */
    public synchronized void startup(Supplier<Collection<PartitionLog>> logs, long backoffMs) {
        if (!config.enableCleaner() || !threads.isEmpty()) {
            return;
        }
        this.backoffMs = backoffMs;
        for (int i = 0; i < config.numThreads(); i++) {
            CleanerThread thread = new CleanerThread(i, logs);
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Cleans one log now, whatever its dirty ratio, until its whole cleanable section is clean (in as many
     * passes as the offset map needs). Does nothing when the log is not compacted, is being cleaned, or has
     * nothing new and no tombstone or marker due for removal.
     *
     * @return the number of segments rewritten
     */
    public synchronized int clean(PartitionLog partitionLog) throws IOException {
        if (onDemand == null) {
            onDemand = newCleaner();
        }
        int rewritten = 0;
        boolean first = true;
        while (true) {
            long now = partitionLog.time().milliseconds();
            LogToClean preview = manager.logToClean(partitionLog, now);
            boolean horizonDue = first && manager.deleteHorizonPassed(partitionLog.topicPartition(), now);
            if (preview.cleanableBytes() == 0 && !horizonDue) {
                return rewritten;
            }
            Optional<LogToClean> toClean = manager.grab(partitionLog, now);
            if (toClean.isEmpty()) {
                return rewritten;
            }
            Cleaner.Result result;
            try {
                result = cleanOnce(onDemand, toClean.get());
            } finally {
                manager.releaseIfHeld(partitionLog);
            }
            if (result == null) {
                return rewritten;
            }
            rewritten += result.segmentsRewritten();
            first = false;
            if (result.endOffset() >= toClean.get().firstUncleanableOffset()) {
                return rewritten;
            }
        }
    }

    /** One cleaning of a grabbed log, ending its in-progress state; null when it was aborted or failed. */
    private Cleaner.Result cleanOnce(Cleaner cleaner, LogToClean toClean) {
        PartitionLog partitionLog = toClean.log();
        TopicPartition tp = partitionLog.topicPartition();
        long startNs = time.nanoseconds();
        try {
            Cleaner.Result result = cleaner.clean(toClean, () -> {
                if (stopping.getCount() == 0) {
                    throw new Cleaner.AbortedException("the log cleaner is shutting down");
                }
                manager.checkCleaningAborted(tp);
            });
            manager.doneCleaning(partitionLog, result.endOffset(), result.nextDeleteHorizonMs());
            cleanings.increment();
            double seconds = Math.max(1e-9, (time.nanoseconds() - startNs) / 1e9);
            // One line per cleaning, with Kafka's numbers and units (MB = 2^20 bytes; "processed" = the
            // segments read for rewriting, "indexed" = the dirty section read into the offset map), so that
            // bench/cleaner.sh reads both brokers' logs alike.
            log.info("Cleaned {} up to offset {} (first dirty offset was {}): {} MB of log processed in {} s "
                            + "({} MB/sec), {} MB indexed, {} MB written, {} segment(s) rewritten, {} keys "
                            + "({}% of the offset map)",
                    tp, result.endOffset(), toClean.firstDirtyOffset(), mb(result.bytesRead()),
                    String.format("%.3f", seconds), String.format("%.1f", result.bytesRead() / MIB / seconds),
                    mb(result.mapBytesRead()), mb(result.bytesWritten()), result.segmentsRewritten(), result.keys(),
                    String.format("%.1f", 100 * result.mapUtilization()));
            return result;
        } catch (Cleaner.AbortedException e) {
            log.info("Cleaning of {} stopped: {}", tp, e.getMessage());
            manager.cleaningStopped(partitionLog);
            return null;
        } catch (InterruptedException e) {
            manager.cleaningStopped(partitionLog);
            Thread.currentThread().interrupt();
            return null;
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                manager.cleaningStopped(partitionLog);
                return null;
            }
            log.error("Cannot clean {}; it will not be cleaned again until restart", tp, e);
            manager.cleaningFailed(partitionLog);
            return null;
        }
    }

    private static String mb(long bytes) {
        return String.format("%.1f", bytes / MIB);
    }

    private Cleaner newCleaner() {
        SkimpyOffsetMap map = new SkimpyOffsetMap(config.dedupeBufferPerThread(), config.dedupeBufferLoadFactor());
        return new Cleaner(map, config.ioBufferPerThread(), throttler);
    }

    /**
     * Stops any cleaning of the log and keeps it from being cleaned (before it is deleted, moved or
     * truncated).
     *
     * @return whether this call paused it, so should {@link #resume} it (false when it was paused already)
     */
    public boolean abortAndPause(TopicPartition tp) {
        try {
            return manager.abortAndPause(tp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** After a truncation: lowers the log's checkpoint to {@code offset} if it is above it. */
    public void maybeTruncateCheckpoint(PartitionLog partitionLog, long offset) {
        manager.maybeTruncateCheckpoint(partitionLog, offset);
    }

    public void resume(TopicPartition tp) {
        manager.resume(tp);
    }

    /** Forgets a log that was deleted: its state and its checkpoint entry. */
    public void forget(TopicPartition tp) {
        manager.forget(tp);
    }

    /** Cleanings (passes) completed since start, over all logs. */
    long cleanings() {
        return cleanings.sum();
    }

    /** The offset maps allocated so far (the on-demand cleaner's and each thread's), largest first. */
    synchronized List<SkimpyOffsetMap> offsetMaps() {
        List<SkimpyOffsetMap> maps = new ArrayList<>();
        if (onDemand != null) {
            maps.add(onDemand.offsetMap());
        }
        for (CleanerThread thread : threads) {
            Cleaner cleaner = thread.cleaner;
            if (cleaner != null) {
                maps.add(cleaner.offsetMap());
            }
        }
        maps.sort(java.util.Comparator.comparingInt(SkimpyOffsetMap::memory).reversed());
        return maps;
    }

    /** The log's first dirty offset as checkpointed, if it was ever cleaned. */
    public Optional<Long> checkpoint(TopicPartition tp) {
        return manager.checkpoint(tp);
    }

    @Override
    public synchronized void close() {
        stopping.countDown();
        throttler.stop();
        for (CleanerThread thread : threads) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    private final class CleanerThread extends Thread {
        private final Supplier<Collection<PartitionLog>> logs;
        private volatile Cleaner cleaner;

        CleanerThread(int id, Supplier<Collection<PartitionLog>> logs) {
            super("sluice-log-cleaner-" + id);
            setDaemon(true);
            this.logs = logs;
        }

        /**
         * Allocated on first need: a broker without compacted logs never pays for the map. A map that
         * cannot be allocated (a dedupe buffer too small for one entry, or no memory) would fail the same
         * way on every log, so the thread stops.
         */
        private boolean allocateCleaner() {
            try {
                cleaner = newCleaner();
                return true;
            } catch (RuntimeException | OutOfMemoryError e) {
                log.error("Log cleaner thread {} cannot allocate its offset map of {} bytes (log.cleaner.dedupe."
                        + "buffer.size / log.cleaner.threads); it stops and compacted logs are not cleaned",
                        getName(), config.dedupeBufferPerThread(), e);
                return false;
            }
        }

        @Override
        public void run() {
            while (stopping.getCount() > 0) {
                boolean cleaned = false;
                Optional<LogToClean> toClean = Optional.empty();
                try {
                    toClean = manager.grabFilthiestCompactedLog(logs.get(), time.milliseconds());
                    if (toClean.isPresent()) {
                        if (cleaner == null && !allocateCleaner()) {
                            return;
                        }
                        cleaned = cleanOnce(cleaner, toClean.get()) != null;
                    }
                } catch (RuntimeException e) {
                    log.error("Log cleaner thread {} failed to pick a log", getName(), e);
                } finally {
                    // Whatever went wrong (an Error included), the log must not stay in progress: its
                    // deletion waits for that to end.
                    toClean.ifPresent(t -> manager.releaseIfHeld(t.log()));
                }
                if (!cleaned) {
                    try {
                        stopping.await(backoffMs, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }
}
