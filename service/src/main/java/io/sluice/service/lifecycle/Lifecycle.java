package io.sluice.service.lifecycle;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A component's {@link ServiceState}, moved only along legal transitions, with waiting for a state. Thread-safe:
 * a request thread can wait for READY while the component's own threads move it.
 */
public final class Lifecycle {
    private final String name;
    private ServiceState state = ServiceState.NEW;
    private Throwable failure;

    public Lifecycle(String name) {
        this.name = name;
    }

    public synchronized ServiceState state() {
        return state;
    }

    /** Why the component failed, or null. */
    public synchronized Throwable failure() {
        return failure;
    }

    /**
     * Moves to {@code next}.
     *
     * @throws IllegalStateException when the move is not legal from the current state
     */
    public synchronized void moveTo(ServiceState next) {
        if (state == next) {
            return;
        }
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException(name + " cannot go from " + state + " to " + next);
        }
        state = next;
        notifyAll();
    }

    /** Moves to {@code next} if that is legal now; returns whether it did. */
    public synchronized boolean tryMoveTo(ServiceState next) {
        if (state != next && !state.canMoveTo(next)) {
            return false;
        }
        moveTo(next);
        return true;
    }

    public synchronized void fail(Throwable cause) {
        if (tryMoveTo(ServiceState.FAILED)) {
            failure = cause;
        }
    }

    /**
     * Waits until the component is READY, at most {@code timeout}; returns whether it is. Returns false at once
     * once it can no longer become ready (stopping, stopped, failed).
     */
    public synchronized boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state != ServiceState.READY) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !(state == ServiceState.NEW || state == ServiceState.STARTING)) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    @Override
    public synchronized String toString() {
        return name + " " + state;
    }
}
