package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Owns every partition log on this broker. Partition directories are {@code <log.dir>/<topic>-<partition>};
 * a new partition goes to the log dir holding the fewest partitions.
 *
 * <p>Per log dir it keeps, in Kafka's formats:
 * <ul>
 *   <li>{@code recovery-point-offset-checkpoint} and {@code log-start-offset-checkpoint}
 *       ({@link OffsetCheckpointFile}), written periodically and at close;</li>
 *   <li>{@code .kafka_cleanshutdown}, written after every log was flushed and closed, and removed at
 *       start-up: its presence tells the next start that the files can be trusted without recovery.</li>
 * </ul>
 * Background tasks ({@link #startBackgroundTasks}) run on one thread; the {@link LogCleaner} runs its own
 * threads and keeps its {@code cleaner-offset-checkpoint} per log dir. Retention may remove a segment the
 * cleaner is rewriting: the cleaner's swap then finds it gone and drops its work.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    static final long DEFAULT_FLUSH_CHECKPOINT_INTERVAL_MS = 60_000L;
    static final long DEFAULT_CLEANER_BACKOFF_MS = 15_000L;
    /** Kafka's {@code producer.id.expiration.check.interval.ms} default. */
    static final long PRODUCER_EXPIRATION_CHECK_INTERVAL_MS = 600_000L;
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");

    private final List<Path> logDirs;
    private final Time time;
    private final long producerIdExpirationMs;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final Map<Path, Boolean> cleanShutdown = new HashMap<>();
    private final Map<TopicPartition, Long> recoveryPoints = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> logStartOffsets = new ConcurrentHashMap<>();
    private final LogCleaner cleaner;
    private final Set<Runnable> pendingDeletes = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean closed;

    public LogManager(List<Path> logDirs) {
        this(logDirs, Time.SYSTEM);
    }

    public LogManager(List<Path> logDirs, Time time) {
        this(logDirs, time, ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    }

    /**
     * @param producerIdExpirationMs the broker's {@code producer.id.expiration.ms}: idle producers'
     *                               de-duplication state is dropped after this long
     */
    public LogManager(List<Path> logDirs, Time time, long producerIdExpirationMs) {
        this(logDirs, time, producerIdExpirationMs, CleanerConfig.defaults());
    }

    /** @param cleanerConfig the broker's {@code log.cleaner.*} settings */
    public LogManager(List<Path> logDirs, Time time, long producerIdExpirationMs, CleanerConfig cleanerConfig) {
        this.logDirs = List.copyOf(logDirs);
        this.time = time;
        this.producerIdExpirationMs = producerIdExpirationMs;
        for (Path dir : logDirs) {
            try {
                Files.createDirectories(dir);
                Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
                boolean clean = Files.exists(marker);
                cleanShutdown.put(dir, clean);
                // From now on a crash must look unclean to the next start.
                Files.deleteIfExists(marker);
                readCheckpoint(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT), recoveryPoints);
                readCheckpoint(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET), logStartOffsets);
                boolean fresh = !clean && recoveryPoints.isEmpty() && partitionsIn(dir).isEmpty();
                log.info("Log dir {}: {}", dir, fresh ? "new" : clean ? "clean shutdown" : "unclean shutdown, logs will be recovered");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot prepare log dir " + dir, e);
            }
        }
        this.cleaner = new LogCleaner(cleanerConfig, this.logDirs, time);
    }

    private static void readCheckpoint(Path file, Map<TopicPartition, Long> into) {
        try {
            into.putAll(new OffsetCheckpointFile(file).read());
        } catch (IOException e) {
            log.warn("Ignoring unreadable checkpoint {}: {}", file, e.getMessage());
        }
    }

    /** Partition directories found on disk, for loading at start-up. */
    public List<TopicPartition> partitionsOnDisk() {
        List<TopicPartition> found = new ArrayList<>();
        for (Path dir : logDirs) {
            found.addAll(partitionsIn(dir));
        }
        return found;
    }

    private static List<TopicPartition> partitionsIn(Path dir) {
        List<TopicPartition> found = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            children.filter(Files::isDirectory)
                    .filter(LogManager::holdsSegments)
                    .forEach(child -> parse(child.getFileName().toString()).ifPresent(found::add));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Other things may live in a log dir (an embedded ZooKeeper's data, say); a partition has segments. */
    private static boolean holdsSegments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> {
                String name = f.getFileName().toString();
                return name.endsWith(LogSegment.LOG) || name.endsWith(LogSegment.LOG + LogSegment.SWAP);
            });
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<TopicPartition> parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        if (dash <= 0 || dash == dirName.length() - 1) {
            return Optional.empty();
        }
        String topic = dirName.substring(0, dash);
        if (!LEGAL_TOPIC.matcher(topic).matches()) {
            return Optional.empty();
        }
        try {
            int partition = Integer.parseInt(dirName.substring(dash + 1));
            return partition < 0 ? Optional.empty() : Optional.of(new TopicPartition(topic, partition));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public PartitionLog getOrCreate(TopicPartition tp, Function<TopicPartition, LogConfig> config) {
        return logs.computeIfAbsent(tp, p -> open(p, existingDir(p), config));
    }

    /**
     * As {@link #getOrCreate(TopicPartition, Function)} for a partition of the topic with id {@code topicId}
     * ({@code partition.metadata}): a directory of an earlier topic of the same name, deleted while this
     * broker was away, is removed first instead of being taken for the new topic's log.
     */
    public PartitionLog getOrCreate(TopicPartition tp, org.apache.kafka.common.Uuid topicId,
                                    Function<TopicPartition, LogConfig> config) {
        return logs.computeIfAbsent(tp, p -> {
            Optional<Path> existing = existingDir(p);
            Optional<org.apache.kafka.common.Uuid> recorded = existing.flatMap(PartitionMetadataFile::read);
            if (recorded.isPresent() && !recorded.get().equals(topicId)) {
                log.info("Deleting {}: it belongs to a deleted topic of the same name (id {}, now {})",
                        existing.get(), recorded.get(), topicId);
                deleteRecursively(existing.get());
                cleaner.forget(p); // its cleaner checkpoint (first dirty offset) is the earlier topic's
                recoveryPoints.remove(p);
                logStartOffsets.remove(p);
                existing = Optional.empty();
                recorded = Optional.empty();
            }
            PartitionLog opened = open(p, existing, config);
            if (recorded.isEmpty()) {
                PartitionMetadataFile.write(opened.dir(), topicId);
            }
            return opened;
        });
    }

    /**
     * Opens the given logs that exist on disk (recovering those of an unclean shutdown), {@code threadsPerDir}
     * at a time in each log dir, as Kafka's {@code num.recovery.threads.per.data.dir}; logs not on disk are left
     * to {@link #getOrCreate}.
     */
    public void openExisting(Map<TopicPartition, LogConfig> wanted, Map<String, org.apache.kafka.common.Uuid> topicIds,
                             int threadsPerDir) {
        Map<Path, List<TopicPartition>> byDir = new HashMap<>();
        wanted.keySet().forEach(tp -> existingDir(tp).ifPresent(d -> byDir.computeIfAbsent(d.getParent(),
                k -> new ArrayList<>()).add(tp)));
        List<ExecutorService> pools = new ArrayList<>();
        List<Future<?>> opening = new ArrayList<>();
        byDir.forEach((dir, partitions) -> {
            ExecutorService pool = Executors.newFixedThreadPool(threadsPerDir, r -> {
                Thread t = new Thread(r, "sluice-log-recovery-" + dir.getFileName());
                t.setDaemon(true);
                return t;
            });
            pools.add(pool);
            partitions.forEach(tp -> opening.add(pool.submit(() -> topicIds.containsKey(tp.topic())
                    ? getOrCreate(tp, topicIds.get(tp.topic()), wanted::get) : getOrCreate(tp, wanted::get))));
        });
        try {
            for (Future<?> f : opening) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while opening logs", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pools.forEach(ExecutorService::shutdownNow);
        }
    }

    private PartitionLog open(TopicPartition p, Optional<Path> existing, Function<TopicPartition, LogConfig> config) {
        Path dir = existing.orElseGet(() -> leastLoadedDir().resolve(p.topic() + "-" + p.partition()));
        boolean clean = existing.isEmpty() || cleanShutdown.getOrDefault(dir.getParent(), false);
        LogOptions options = new LogOptions(recoveryPoints.getOrDefault(p, 0L),
                logStartOffsets.getOrDefault(p, 0L), clean, time, this::deleteLater, producerIdExpirationMs);
        PartitionLog opened = PartitionLog.open(dir, p, config.apply(p), options);
        log.debug("Opened log {} at {} (log start offset {}, log end offset {})", p, dir,
                opened.logStartOffset(), opened.logEndOffset());
        return opened;
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> all() {
        return logs.values();
    }

    /**
     * Closes and deletes a partition's directory. Idempotent: a partition that is already gone is not an
     * error, and two callers never remove the same directory at once (deletions are rare; one lock).
     */
    public void delete(TopicPartition tp) {
        // A cleaning in progress must not write into a directory being deleted; waited for outside the lock.
        cleaner.abortAndPause(tp);
        synchronized (this) {
            deleteLocked(tp);
        }
    }

    private void deleteLocked(TopicPartition tp) {
        PartitionLog removed = logs.remove(tp);
        Optional<Path> dir = removed != null ? Optional.of(removed.dir()) : existingDir(tp);
        if (removed != null) {
            removed.close();
        }
        cleaner.forget(tp);
        recoveryPoints.remove(tp);
        logStartOffsets.remove(tp);
        if (dir.isPresent()) {
            deleteRecursively(dir.get());
            log.info("Deleted log {}", tp);
        }
    }

    private Optional<Path> existingDir(TopicPartition tp) {
        String name = tp.topic() + "-" + tp.partition();
        return logDirs.stream().map(d -> d.resolve(name)).filter(Files::isDirectory).findFirst();
    }

    private Path leastLoadedDir() {
        return logDirs.stream()
                .min(Comparator.comparingLong(d -> logs.values().stream().filter(l -> l.dir().startsWith(d)).count()))
                .orElseThrow();
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (java.nio.file.NoSuchFileException e) {
            // removed meanwhile (a segment deleted late by retention): nothing left to do
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Schedules retention every {@code retentionCheckIntervalMs} ({@code log.retention.check.interval.ms}),
     * flush + checkpoints every 60 s and producer-id expiry every 10 minutes, and starts the log cleaner's
     * threads (which look for work every {@code log.cleaner.backoff.ms} when idle).
     */
    public void startBackgroundTasks(long retentionCheckIntervalMs) {
        startBackgroundTasks(retentionCheckIntervalMs, DEFAULT_CLEANER_BACKOFF_MS, DEFAULT_FLUSH_CHECKPOINT_INTERVAL_MS);
    }

    public void startBackgroundTasks(long retentionCheckIntervalMs, long cleanerBackoffMs,
                                     long flushCheckpointIntervalMs) {
        startBackgroundTasks(retentionCheckIntervalMs, cleanerBackoffMs, flushCheckpointIntervalMs, Long.MAX_VALUE);
    }

    /**
     * @param flushSchedulerIntervalMs Kafka's {@code log.flush.scheduler.interval.ms}: how often logs are
     *                                 checked against their {@code flush.ms} (Long.MAX_VALUE: never, Kafka's default)
     */
    public synchronized void startBackgroundTasks(long retentionCheckIntervalMs, long cleanerBackoffMs,
                                                  long flushCheckpointIntervalMs, long flushSchedulerIntervalMs) {
        if (scheduler != null) {
            throw new IllegalStateException("Background tasks already started");
        }
        java.util.concurrent.ScheduledThreadPoolExecutor executor = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sluice-log-manager");
            t.setDaemon(true);
            return t;
        });
        // At close, queued runs (periodic or delayed) are dropped and only the one running is waited for.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor.scheduleWithFixedDelay(guarded("retention", this::cleanupLogs), retentionCheckIntervalMs,
                retentionCheckIntervalMs, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(guarded("flush", this::checkpoint), flushCheckpointIntervalMs,
                flushCheckpointIntervalMs, TimeUnit.MILLISECONDS);
        if (flushSchedulerIntervalMs < Long.MAX_VALUE) {
            executor.scheduleWithFixedDelay(guarded("flush.ms", this::flushDirtyLogs), flushSchedulerIntervalMs,
                    flushSchedulerIntervalMs, TimeUnit.MILLISECONDS);
        }
        executor.scheduleWithFixedDelay(guarded("producer expiry", this::removeExpiredProducers),
                PRODUCER_EXPIRATION_CHECK_INTERVAL_MS, PRODUCER_EXPIRATION_CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
        scheduler = executor;
        cleaner.startup(logs::values, cleanerBackoffMs);
    }

    private static Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // A failing pass must not cancel the periodic task.
                log.error("Log {} pass failed", what, e);
            }
        };
    }

    /** Retention on every log; returns the number of segments deleted. */
    public int cleanupLogs() {
        int deleted = 0;
        for (PartitionLog l : logs.values()) {
            deleted += l.deleteOldSegments();
        }
        return deleted;
    }

    /**
     * Cleans every compacted log now, whatever its dirty ratio (the cleaner threads do this by themselves);
     * returns the number of segments rewritten.
     */
    public int compactLogs() {
        int rewritten = 0;
        for (PartitionLog l : logs.values()) {
            try {
                rewritten += cleaner.clean(l);
            } catch (IOException e) {
                log.error("Cannot compact {}", l.topicPartition(), e);
            }
        }
        return rewritten;
    }

    /** Forgets, in every log, producers idle for longer than {@code producer.id.expiration.ms}. */
    public void removeExpiredProducers() {
        logs.values().forEach(PartitionLog::removeExpiredProducers);
    }

    /**
     * Truncates a follower's log to {@code offset} ({@link PartitionLog#truncateTo}) with its cleaning
     * stopped, and lowers its cleaner checkpoint to the new active segment if it was above (Kafka's
     * {@code LogManager.truncateTo}): a cleaning running across the cut must not swap back segments that
     * the truncation removed, and the cleaner must not take the rewritten offsets for clean ones.
     *
     * @return the new log end offset
     */
    public long truncateTo(PartitionLog partitionLog, long offset) {
        if (offset >= partitionLog.logEndOffset()) {
            return partitionLog.logEndOffset();
        }
        TopicPartition tp = partitionLog.topicPartition();
        boolean paused = cleaner.abortAndPause(tp);
        try {
            long end = partitionLog.truncateTo(offset);
            cleaner.maybeTruncateCheckpoint(partitionLog, partitionLog.activeSegment().baseOffset());
            return end;
        } finally {
            if (paused) {
                cleaner.resume(tp);
            }
        }
    }

    /** {@link PartitionLog#truncateFullyAndStartAt} with its cleaning stopped and its cleaner checkpoint lowered. */
    public void truncateFullyAndStartAt(PartitionLog partitionLog, long newStart) {
        TopicPartition tp = partitionLog.topicPartition();
        boolean paused = cleaner.abortAndPause(tp);
        try {
            partitionLog.truncateFullyAndStartAt(newStart);
            cleaner.maybeTruncateCheckpoint(partitionLog, newStart);
        } finally {
            if (paused) {
                cleaner.resume(tp);
            }
        }
    }

    public LogCleaner cleaner() {
        return cleaner;
    }

    /** Flushes every log and writes both checkpoint files of every log dir. */
    public void checkpoint() {
        flushAll();
        writeCheckpoints();
    }

    /** {@code file.delete.delay.ms} after a segment's removal its files go (it was renamed {@code .deleted}). */
    private void deleteLater(Runnable deletion, long delayMs) {
        ScheduledExecutorService executor = scheduler;
        if (executor == null || closed) {
            deletion.run();
            return;
        }
        Runnable once = new Runnable() {
            @Override
            public void run() {
                if (pendingDeletes.remove(this)) {
                    deletion.run();
                }
            }
        };
        pendingDeletes.add(once);
        executor.schedule(once, delayMs, TimeUnit.MILLISECONDS);
    }

    /** {@code flush.ms}: fsyncs every log whose last flush is at least that old; returns how many. */
    public int flushDirtyLogs() {
        int flushed = 0;
        long now = time.milliseconds();
        for (PartitionLog l : logs.values()) {
            if (now - l.lastFlushTime() >= l.config().flushMs() && l.logEndOffset() > l.recoveryPoint()) {
                l.flush();
                flushed++;
            }
        }
        return flushed;
    }

    public void flushAll() {
        logs.values().forEach(PartitionLog::flush);
    }

    private void writeCheckpoints() {
        for (Path dir : logDirs) {
            Map<TopicPartition, Long> recovery = new HashMap<>();
            Map<TopicPartition, Long> start = new HashMap<>();
            for (PartitionLog l : logs.values()) {
                if (l.dir().getParent().equals(dir)) {
                    recovery.put(l.topicPartition(), l.recoveryPoint());
                    start.put(l.topicPartition(), l.logStartOffset());
                }
            }
            try {
                new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).write(recovery);
                new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).write(start);
            } catch (IOException e) {
                log.error("Cannot write checkpoints in {}", dir, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        cleaner.close();
        ScheduledExecutorService executor = scheduler;
        if (executor != null) {
            // No interrupt: a flush or retention pass in progress reads and writes segment FileChannels, and an
            // interrupt during that I/O closes the channel (ClosedByInterruptException) under the final flush.
            executor.shutdown();
            try {
                executor.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Runnable deletion : List.copyOf(pendingDeletes)) {
            deletion.run();
        }
        boolean allClean = true;
        for (PartitionLog l : logs.values()) {
            try {
                l.flush();
            } catch (RuntimeException e) {
                allClean = false;
                log.warn("Failed to flush log {}", l.topicPartition(), e);
            }
        }
        writeCheckpoints();
        for (PartitionLog l : logs.values()) {
            try {
                l.close();
            } catch (RuntimeException e) {
                allClean = false;
                log.warn("Failed to close log {}", l.topicPartition(), e);
            }
        }
        logs.clear();
        if (allClean) {
            for (Path dir : logDirs) {
                try {
                    Files.write(dir.resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
                } catch (IOException e) {
                    log.warn("Cannot write the clean shutdown marker in {}", dir, e);
                }
            }
        }
    }
}
