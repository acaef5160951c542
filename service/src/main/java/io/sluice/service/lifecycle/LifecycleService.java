package io.sluice.service.lifecycle;

import java.time.Duration;

/**
 * The start/stop half every {@link Service} shares, so that each server only says how it starts and stops its
 * parts: a failed start marks the service FAILED and closes what did start before the error reaches the caller;
 * {@link #close} is idempotent and runs {@link #closeParts} once, between STOPPING and STOPPED.
 */
public abstract class LifecycleService implements Service {
    private final Lifecycle lifecycle;

    protected LifecycleService(String name) {
        this.lifecycle = new Lifecycle(name);
    }

    /** For services whose readiness changes after start (a registry while it knows a leader). */
    protected final Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Moves to STARTING and runs {@code startParts}; when that throws, fails, closes the parts started so far and
     * rethrows. Leaves the state at STARTING (or wherever {@code startParts} moved it).
     */
    protected final void startParts(Runnable startParts) {
        lifecycle.moveTo(ServiceState.STARTING);
        try {
            startParts.run();
        } catch (RuntimeException e) {
            lifecycle.fail(e);
            closeParts();
            throw e;
        }
    }

    /** {@link #startParts}, then READY: for services that serve complete state once their parts run. */
    protected final void startReady(Runnable startParts) {
        startParts(startParts);
        lifecycle.moveTo(ServiceState.READY);
    }

    /** Stops whatever parts have started; fields of parts not started yet are null. */
    protected abstract void closeParts();

    /** Called once after the service has stopped (for example to log it). */
    protected void stopped() {
    }

    @Override
    public final ServiceState state() {
        return lifecycle.state();
    }

    @Override
    public final boolean awaitReady(Duration timeout) throws InterruptedException {
        return lifecycle.awaitReady(timeout);
    }

    @Override
    public final void close() {
        if (!lifecycle.tryMoveTo(ServiceState.STOPPING)) {
            return;
        }
        closeParts();
        lifecycle.moveTo(ServiceState.STOPPED);
        stopped();
    }
}
