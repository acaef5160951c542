package io.sluice.connect.errors;

import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.worker.ConnectorTaskId;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Kafka Connect's retry-with-tolerance semantics for one task. An operation that throws a
 * {@link RetriableException} is retried with exponential backoff (300 ms doubling, at most
 * {@code errors.retry.delay.max.ms} apart) for {@code errors.retry.timeout.ms}. What still fails is reported (log,
 * dead letter queue) and then, with {@code errors.tolerance=all}, skipped; with {@code none} it fails the task.
 * Only converters and transformations may fail with any exception; elsewhere a non-retriable exception always
 * fails the task. Used by the task's thread only.
 */
public final class ErrorHandler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);
    static final long RETRIES_DELAY_MIN_MS = 300;
    /** A retry wait checks this often whether the task is being stopped. */
    private static final long STOP_CHECK_MS = 100;

    private final ConnectorTaskId task;
    private final ErrorHandlingConfig config;
    private final List<ErrorReporter> reporters;
    private final TaskMetrics metrics;
    private final BooleanSupplier stopping;
    private boolean failed;

    public ErrorHandler(ConnectorTaskId task, ErrorHandlingConfig config, List<ErrorReporter> reporters,
                        TaskMetrics metrics, BooleanSupplier stopping) {
        this.task = task;
        this.config = config;
        this.reporters = new ArrayList<>(reporters);
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** Log and dead-letter-queue reporters as the connector config asks; the DLQ one is built by the caller. */
    public static List<ErrorReporter> logReporter(ErrorHandlingConfig config, TaskMetrics metrics) {
        return config.logEnable() ? List.of(new LogReporter(config.logIncludeMessages(), metrics)) : List.of();
    }

    public ErrorHandlingConfig config() {
        return config;
    }

    /**
     * Runs {@code operation} on the record of {@code context}.
     *
     * @return its result, or null when it failed and the failure is tolerated (already reported)
     * @throws ConnectException when the failure is not tolerated; the task should fail with it
     */
    public <V> V execute(Stage stage, Class<?> executingClass, ProcessingContext context, Callable<V> operation) {
        failed = false;
        long start = System.currentTimeMillis();
        int attempt = 0;
        while (true) {
            attempt++;
            try {
                return operation.call();
            } catch (RetriableException e) {
                metrics.recordFailures.increment();
                if (!canRetry(start) || !backoff(attempt, start)) {
                    return failed(stage, executingClass, context, e, attempt);
                }
                metrics.retries.increment();
            } catch (Exception e) {
                metrics.recordFailures.increment();
                if (!stage.toleratesAnyException()) {
                    recordError();
                    report(new Failure(task, context, stage, executingClass, e, attempt));
                    throw new ConnectException("Unhandled exception in error handler", e);
                }
                return failed(stage, executingClass, context, e, attempt);
            }
        }
    }

    /** Whether the last {@link #execute} failed and was tolerated (its null result means "skip the record"). */
    public boolean failed() {
        return failed;
    }

    /**
     * Reports a record the task itself says failed (the errant record reporter, stage TASK_PUT).
     *
     * @return completes when every reporter has it
     * @throws ConnectException with {@code errors.tolerance=none}, after reporting
     */
    public CompletableFuture<Void> reportFailed(Stage stage, Class<?> executingClass, ProcessingContext context,
                                                Throwable error) {
        metrics.recordFailures.increment();
        recordError();
        CompletableFuture<Void> reported = report(new Failure(task, context, stage, executingClass, error, 1));
        if (config.tolerance() == ToleranceType.NONE) {
            throw new ConnectException("Tolerance exceeded in error handler", error);
        }
        metrics.recordsSkipped.increment();
        return reported;
    }

    private <V> V failed(Stage stage, Class<?> executingClass, ProcessingContext context, Exception error,
                         int attempts) {
        failed = true;
        recordError();
        report(new Failure(task, context, stage, executingClass, error, attempts));
        if (config.tolerance() == ToleranceType.NONE) {
            throw new ConnectException("Tolerance exceeded in error handler", error);
        }
        metrics.recordsSkipped.increment();
        return null;
    }

    private void recordError() {
        metrics.recordErrors.increment();
        metrics.errorAt(System.currentTimeMillis());
    }

    private CompletableFuture<Void> report(Failure failure) {
        List<CompletableFuture<Void>> reports = new ArrayList<>(reporters.size());
        for (ErrorReporter reporter : reporters) {
            try {
                reports.add(reporter.report(failure));
            } catch (RuntimeException e) {
                log.error("Task {} could not report a failed record", task, e);
            }
        }
        return CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new));
    }

    private boolean canRetry(long start) {
        return config.retryTimeoutMs() < 0 || System.currentTimeMillis() - start < config.retryTimeoutMs();
    }

    /** Waits before attempt {@code attempt + 1}; false when the task is stopping or was interrupted. */
    private boolean backoff(int attempt, long start) {
        long delay = attempt - 1 >= 20 ? config.retryDelayMaxMs()
                : Math.min(RETRIES_DELAY_MIN_MS << (attempt - 1), config.retryDelayMaxMs());
        if (config.retryTimeoutMs() >= 0) {
            delay = Math.min(delay, start + config.retryTimeoutMs() - System.currentTimeMillis());
        }
        long until = System.currentTimeMillis() + Math.max(0, delay);
        try {
            for (long left = delay; left > 0; left = until - System.currentTimeMillis()) {
                if (stopping.getAsBoolean()) {
                    return false;
                }
                Thread.sleep(Math.min(left, STOP_CHECK_MS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !stopping.getAsBoolean();
    }

    @Override
    public void close() {
        reporters.forEach(r -> Utils.closeQuietly(r, "error reporter"));
    }
}
