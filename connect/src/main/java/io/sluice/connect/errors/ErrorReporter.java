package io.sluice.connect.errors;

import java.util.concurrent.CompletableFuture;

/** Somewhere a record's failure is reported: the log, the dead letter queue. */
public interface ErrorReporter extends AutoCloseable {

    /** Reports the failure; the future completes when the report is durable (at once for a log). */
    CompletableFuture<Void> report(Failure failure);

    @Override
    default void close() {
    }
}
