package io.sluice.service.lifecycle;

import java.time.Duration;

/**
 * A long-running component (broker, schema registry, Connect worker): started once, READY when it serves
 * complete state, stopped by {@link #close} (idempotent, returns once stopped).
 */
public interface Service extends AutoCloseable {
    ServiceState state();

    /** Waits until READY, at most {@code timeout}; false if it did not get there. */
    boolean awaitReady(Duration timeout) throws InterruptedException;

    @Override
    void close();
}
