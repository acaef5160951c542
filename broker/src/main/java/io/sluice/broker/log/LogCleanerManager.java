package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which compacted log the cleaner works on next, and where each one's dirty section starts (Kafka's
 * {@code LogCleanerManager}).
 *
 * <p>Per log dir, {@code cleaner-offset-checkpoint} ({@link OffsetCheckpointFile}, Kafka's format) holds
 * each log's first dirty offset: everything below it has been cleaned against every key below it. It is
 * rewritten after each cleaning; a checkpoint outside {@code [log start, log end]} (a truncated or
 * replaced log) restarts from the log start offset.
 *
 * <p>Each log's cleaning state is an explicit {@link State}; a log absent from the map is idle.
 * {@link #abortAndPause} (a log about to be deleted) waits until a running cleaning noticed the abort.
 */
final class LogCleanerManager {
    private static final Logger log = LoggerFactory.getLogger(LogCleanerManager.class);
    static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";

    /** A log's cleaning state. */
    enum State {
        /** A cleaner thread is cleaning it. */
        IN_PROGRESS,
        /** Its cleaning must stop; the cleaner thread moves it to PAUSED when it has. */
        ABORTED,
        /** Not to be cleaned until resumed. */
        PAUSED
    }

    private final List<Path> logDirs;
    private final Map<TopicPartition, Long> checkpoints = new HashMap<>();
    private final Map<TopicPartition, Path> checkpointDirs = new HashMap<>();
    private final Map<TopicPartition, State> states = new HashMap<>();
    /** The thread cleaning each IN_PROGRESS or ABORTED log: an abort stops waiting once it has died. */
    private final Map<TopicPartition, Thread> cleaners = new HashMap<>();
    /** When a log's earliest kept tombstone or marker may go: it is worth cleaning then even if not dirty. */
    private final Map<TopicPartition, Long> deleteHorizons = new HashMap<>();
    private final Set<TopicPartition> uncleanable = new HashSet<>();

    LogCleanerManager(List<Path> logDirs) {
        this.logDirs = List.copyOf(logDirs);
        for (Path dir : logDirs) {
            try {
                Map<TopicPartition, Long> read = new OffsetCheckpointFile(dir.resolve(CHECKPOINT_FILE)).read();
                checkpoints.putAll(read);
                read.keySet().forEach(tp -> checkpointDirs.put(tp, dir));
            } catch (IOException e) {
                log.warn("Ignoring unreadable cleaner checkpoint in {} (logs are cleaned from their start): {}", dir,
                        e.getMessage());
            }
        }
    }

    /**
     * Picks the compacted log with the highest dirty ratio above its {@code min.cleanable.dirty.ratio}
     * (or with dirty records past {@code max.compaction.lag.ms}, or a tombstone or marker whose delete
     * horizon passed) and marks it in progress.
     */
    synchronized Optional<LogToClean> grabFilthiestCompactedLog(Collection<PartitionLog> logs, long now) {
        LogToClean filthiest = null;
        LogToClean expired = null;
        for (PartitionLog partitionLog : logs) {
            TopicPartition tp = partitionLog.topicPartition();
            if (!partitionLog.config().compact() || states.containsKey(tp) || uncleanable.contains(tp)) {
                continue;
            }
            LogToClean candidate = logToClean(partitionLog, now);
            if (candidate.totalBytes() == 0) {
                continue;
            }
            boolean dirtyEnough = candidate.needCompactionNow() && candidate.cleanableBytes() > 0
                    || candidate.cleanableBytes() > 0
                    && candidate.cleanableRatio() > partitionLog.config().minCleanableDirtyRatio();
            if (dirtyEnough) {
                if (filthiest == null || candidate.cleanableRatio() > filthiest.cleanableRatio()) {
                    filthiest = candidate;
                }
            } else if (expired == null && deleteHorizons.getOrDefault(tp, Long.MAX_VALUE) <= now) {
                expired = candidate;
            }
        }
        LogToClean chosen = filthiest != null ? filthiest : expired;
        if (chosen != null) {
            markInProgress(chosen.log().topicPartition());
        }
        return Optional.ofNullable(chosen);
    }

    /** Marks a given log in progress for a cleaning on demand; empty if it is being cleaned or paused. */
    synchronized Optional<LogToClean> grab(PartitionLog partitionLog, long now) {
        TopicPartition tp = partitionLog.topicPartition();
        if (!partitionLog.config().compact() || states.containsKey(tp)) {
            return Optional.empty();
        }
        markInProgress(tp);
        return Optional.of(logToClean(partitionLog, now));
    }

    private void markInProgress(TopicPartition tp) {
        states.put(tp, State.IN_PROGRESS);
        cleaners.put(tp, Thread.currentThread());
    }

    /** The log's cleanable range now (Kafka's {@code cleanableOffsets} and {@code calculateCleanableBytes}). */
    synchronized LogToClean logToClean(PartitionLog partitionLog, long now) {
        TopicPartition tp = partitionLog.topicPartition();
        LogConfig config = partitionLog.config();
        long logStart = partitionLog.logStartOffset();
        Long checkpoint = checkpoints.get(tp);
        long firstDirty = checkpoint == null ? logStart : checkpoint;
        if (firstDirty < logStart || firstDirty > partitionLog.logEndOffset()) {
            if (checkpoint != null && !(config.compact() && config.delete())) {
                log.warn("Resetting the first dirty offset of {} to the log start offset {}: the checkpointed {} is "
                        + "outside the log", tp, logStart, firstDirty);
            }
            firstDirty = logStart;
        }
        List<LogSegment> segments = partitionLog.segmentsSnapshot();
        long lastStable = partitionLog.lastStableOffset();
        long lagBound = now - config.minCompactionLagMs();
        long firstUncleanable = segments.get(segments.size() - 1).baseOffset();
        long cleanBytes = 0;
        long cleanableBytes = 0;
        long earliestDirtyTimestamp = Long.MAX_VALUE;
        for (int i = 0; i < segments.size() - 1; i++) {
            LogSegment segment = segments.get(i);
            long nextBase = segments.get(i + 1).baseOffset();
            if (nextBase <= firstDirty) {
                cleanBytes += segment.size();
                continue;
            }
            // Never clean what a read_committed consumer cannot read yet, nor records younger than the lag.
            long newest = segment.maxTimestampSoFar();
            if (nextBase > lastStable
                    || config.minCompactionLagMs() > 0 && newest != RecordBatch.NO_TIMESTAMP && newest > lagBound) {
                firstUncleanable = segment.baseOffset();
                break;
            }
            cleanableBytes += segment.size();
            long first = segment.firstBatchTimestamp();
            if (first > 0) {
                earliestDirtyTimestamp = Math.min(earliestDirtyTimestamp, first);
            }
        }
        boolean needCompactionNow = earliestDirtyTimestamp != Long.MAX_VALUE
                && earliestDirtyTimestamp < now - Math.max(config.maxCompactionLagMs(), 0L);
        return new LogToClean(partitionLog, firstDirty, Math.max(firstDirty, firstUncleanable), cleanBytes,
                cleanableBytes, needCompactionNow);
    }

    /** Ends a cleaning: records the new first dirty offset unless the cleaning was aborted. */
    synchronized void doneCleaning(PartitionLog partitionLog, long endOffset, long nextDeleteHorizonMs) {
        TopicPartition tp = partitionLog.topicPartition();
        cleaners.remove(tp);
        State state = states.get(tp);
        if (state == State.ABORTED) {
            states.put(tp, State.PAUSED);
            notifyAll();
            return;
        }
        states.remove(tp);
        deleteHorizons.put(tp, nextDeleteHorizonMs);
        checkpoints.put(tp, endOffset);
        checkpointDirs.put(tp, partitionLog.dir().getParent());
        writeCheckpoint(partitionLog.dir().getParent());
    }

    /** Ends a cleaning that failed: the log is left alone from now on (Kafka's uncleanable partitions). */
    synchronized void cleaningFailed(PartitionLog partitionLog) {
        TopicPartition tp = partitionLog.topicPartition();
        cleaners.remove(tp);
        State state = states.get(tp);
        if (state == State.ABORTED) {
            states.put(tp, State.PAUSED);
            notifyAll();
            return;
        }
        states.remove(tp);
        uncleanable.add(tp);
    }

    /** Ends a cleaning that stopped on an abort or had nothing to do, without moving the checkpoint. */
    synchronized void cleaningStopped(PartitionLog partitionLog) {
        TopicPartition tp = partitionLog.topicPartition();
        cleaners.remove(tp);
        if (states.get(tp) == State.ABORTED) {
            states.put(tp, State.PAUSED);
            notifyAll();
        } else {
            states.remove(tp);
        }
    }

    /**
     * Ends the calling thread's cleaning of the log if it has not ended yet (a cleaning left by an
     * unexpected error), as {@link #cleaningStopped} would.
     */
    synchronized void releaseIfHeld(PartitionLog partitionLog) {
        if (cleaners.get(partitionLog.topicPartition()) == Thread.currentThread()) {
            cleaningStopped(partitionLog);
        }
    }

    /** Throws {@link Cleaner.AbortedException} if the log's cleaning was aborted. */
    synchronized void checkCleaningAborted(TopicPartition tp) {
        if (states.get(tp) == State.ABORTED) {
            throw new Cleaner.AbortedException("Cleaning of " + tp + " aborted");
        }
    }

    /**
     * Stops a running cleaning of the log and keeps the log from being cleaned until {@link #forget} or
     * {@link #resume}. Waits for the cleaner thread to notice, unless that thread has died.
     *
     * @return whether this call paused the log (false when someone else had paused or was pausing it, who
     *         then resumes it)
     */
    synchronized boolean abortAndPause(TopicPartition tp) throws InterruptedException {
        State state = states.get(tp);
        if (state == null) {
            states.put(tp, State.PAUSED);
            return true;
        }
        if (state == State.IN_PROGRESS) {
            states.put(tp, State.ABORTED);
        }
        while (states.get(tp) != State.PAUSED) {
            Thread cleaner = cleaners.get(tp);
            if (cleaner == null || !cleaner.isAlive()) {
                log.warn("The cleaning of {} was left unfinished by {}; pausing it without waiting", tp,
                        cleaner == null ? "a failure" : cleaner.getName());
                cleaners.remove(tp);
                states.put(tp, State.PAUSED);
                return state == State.IN_PROGRESS;
            }
            wait(100);
        }
        return state == State.IN_PROGRESS;
    }

    /**
     * Lowers the log's checkpoint to {@code offset} if it is above it (Kafka's {@code maybeTruncateCheckpoint}):
     * after a truncation the records the checkpoint vouched for as clean may be gone and their offsets
     * written again with other keys, which must then be cleaned like any dirty record.
     */
    synchronized void maybeTruncateCheckpoint(PartitionLog partitionLog, long offset) {
        TopicPartition tp = partitionLog.topicPartition();
        Long checkpoint = checkpoints.get(tp);
        if (checkpoint == null || checkpoint <= offset) {
            return;
        }
        log.info("Lowering the cleaner checkpoint of {} from {} to {} after a truncation", tp, checkpoint, offset);
        checkpoints.put(tp, offset);
        Path dir = checkpointDirs.computeIfAbsent(tp, t -> partitionLog.dir().getParent());
        writeCheckpoint(dir);
    }

    synchronized void resume(TopicPartition tp) {
        if (states.get(tp) == State.PAUSED) {
            states.remove(tp);
        }
    }

    synchronized Optional<State> state(TopicPartition tp) {
        return Optional.ofNullable(states.get(tp));
    }

    /** Forgets a deleted log: its state and its checkpoint entry. */
    synchronized void forget(TopicPartition tp) {
        states.remove(tp);
        cleaners.remove(tp);
        deleteHorizons.remove(tp);
        uncleanable.remove(tp);
        checkpoints.remove(tp);
        Path dir = checkpointDirs.remove(tp);
        if (dir != null) {
            writeCheckpoint(dir);
        }
    }

    /** Whether a tombstone or marker kept by the last cleaning of the log may go now. */
    synchronized boolean deleteHorizonPassed(TopicPartition tp, long now) {
        return deleteHorizons.getOrDefault(tp, Long.MAX_VALUE) <= now;
    }

    synchronized Optional<Long> checkpoint(TopicPartition tp) {
        return Optional.ofNullable(checkpoints.get(tp));
    }

    private void writeCheckpoint(Path dir) {
        if (!logDirs.contains(dir)) {
            return;
        }
        Map<TopicPartition, Long> inDir = new HashMap<>();
        checkpoints.forEach((tp, offset) -> {
            if (dir.equals(checkpointDirs.get(tp))) {
                inDir.put(tp, offset);
            }
        });
        try {
            new OffsetCheckpointFile(dir.resolve(CHECKPOINT_FILE)).write(inDir);
        } catch (IOException e) {
            log.error("Cannot write the cleaner checkpoint in {}", dir, e);
        }
    }
}
