package io.sluice.broker.log;

import org.apache.kafka.common.utils.Time;

import java.util.function.Consumer;

/**
 * What a {@link PartitionLog} needs from its owner when it is opened.
 *
 * @param recoveryPoint          offset below which the log is known to be flushed (from the recovery-point
 *                               checkpoint); recovery after an unclean shutdown starts at its segment
 * @param logStartOffset         checkpointed log start offset (0 when unknown: the first segment decides)
 * @param cleanShutdown          the log dir carried a clean-shutdown marker, so the files can be trusted
 * @param time                   clock for rolling, retention, compaction and producer expiry
 * @param deferredDelete         runs the deletion of a removed segment's files after the topic's
 *                               {@code file.delete.delay.ms} (or at once, if it likes): reads that already
 *                               hold a slice of the segment may still be sending it
 * @param producerIdExpirationMs the broker's {@code producer.id.expiration.ms}: how long a producer may be
 *                               idle before its de-duplication state is forgotten
 */
public record LogOptions(long recoveryPoint, long logStartOffset, boolean cleanShutdown, Time time,
                         DeferredDelete deferredDelete, long producerIdExpirationMs) {

    /** Runs {@code deletion} about {@code delayMs} from now. */
    @FunctionalInterface
    public interface DeferredDelete {
        void schedule(Runnable deletion, long delayMs);
    }

    /** With a deletion runner that ignores the delay (files deleted whenever it decides). */
    public LogOptions(long recoveryPoint, long logStartOffset, boolean cleanShutdown, Time time,
                      Consumer<Runnable> deferredDelete) {
        this(recoveryPoint, logStartOffset, cleanShutdown, time, (deletion, delayMs) -> deferredDelete.accept(deletion),
                ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    }

    /** A log opened on its own: full recovery, system clock, files deleted at once. */
    public static LogOptions defaults() {
        return new LogOptions(0L, 0L, false, Time.SYSTEM, (Consumer<Runnable>) Runnable::run);
    }

    public LogOptions withTime(Time newTime) {
        return new LogOptions(recoveryPoint, logStartOffset, cleanShutdown, newTime, deferredDelete,
                producerIdExpirationMs);
    }

    public LogOptions withCleanShutdown(boolean clean) {
        return new LogOptions(recoveryPoint, logStartOffset, clean, time, deferredDelete, producerIdExpirationMs);
    }

    public LogOptions withRecoveryPoint(long offset) {
        return new LogOptions(offset, logStartOffset, cleanShutdown, time, deferredDelete, producerIdExpirationMs);
    }

    public LogOptions withProducerIdExpirationMs(long ms) {
        return new LogOptions(recoveryPoint, logStartOffset, cleanShutdown, time, deferredDelete, ms);
    }
}
