package io.sluice.connect.errors;

import io.sluice.connect.metrics.TaskMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/** {@code errors.log.enable}: one ERROR line per failed record, with its record when asked to include messages. */
final class LogReporter implements ErrorReporter {
    private static final Logger log = LoggerFactory.getLogger(LogReporter.class);

    private final boolean includeMessages;
    private final TaskMetrics metrics;

    LogReporter(boolean includeMessages, TaskMetrics metrics) {
        this.includeMessages = includeMessages;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<Void> report(Failure failure) {
        log.error("Error encountered in task {}. {}", failure.task(), failure.describe(includeMessages),
                failure.error());
        metrics.errorsLogged.increment();
        return CompletableFuture.completedFuture(null);
    }
}
