package io.sluice.broker.log;

import org.apache.kafka.common.utils.Time;

import java.util.function.Consumer;

/**
 * What a {@link PartitionLog} needs from its owner when it is opened.
 *
 * @param recoveryPoint  offset below which the log is known to be flushed (from the recovery-point
 *                       checkpoint); recovery after an unclean shutdown starts at its segment
 * @param logStartOffset checkpointed log start offset (0 when unknown: the first segment decides)
 * @param cleanShutdown  the log dir carried a clean-shutdown marker, so the files can be trusted
 * @param time           clock for rolling, retention and compaction
 * @param deferredDelete runs the deletion of a removed segment's files, later if it likes: reads that
 *                       already hold a slice of the segment may still be sending it
 */
public record LogOptions(long recoveryPoint, long logStartOffset, boolean cleanShutdown, Time time,
                         Consumer<Runnable> deferredDelete) {

    /** A log opened on its own: full recovery, system clock, files deleted at once. */
    public static LogOptions defaults() {
        return new LogOptions(0L, 0L, false, Time.SYSTEM, Runnable::run);
    }

    public LogOptions withTime(Time newTime) {
        return new LogOptions(recoveryPoint, logStartOffset, cleanShutdown, newTime, deferredDelete);
    }

    public LogOptions withCleanShutdown(boolean clean) {
        return new LogOptions(recoveryPoint, logStartOffset, clean, time, deferredDelete);
    }

    public LogOptions withRecoveryPoint(long offset) {
        return new LogOptions(offset, logStartOffset, cleanShutdown, time, deferredDelete);
    }
}
