package io.sluice.connect.worker;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The reported state of one connector or task on this worker: moved only along {@link State}'s legal
 * transitions; FAILED keeps the failure's stack trace for {@code GET .../status}. Thread-safe: tasks move it from
 * their own threads while REST threads read it.
 */
public final class Status {
    /** A consistent copy for reporting. */
    public record Snapshot(State state, String trace, String workerId) {
    }

    private final String name;
    private final String workerId;
    private State state = State.UNASSIGNED;
    private String trace;

    public Status(String name, String workerId) {
        this.name = name;
        this.workerId = workerId;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(state, trace, workerId);
    }

    public synchronized State state() {
        return state;
    }

    /**
     * Moves to {@code next}; a FAILED connector or task stays FAILED until it is restarted (RESTARTING) or
     * unassigned, so a late "stopped" from its thread does not hide the failure.
     *
     * @return whether the move was legal and made
     */
    public synchronized boolean moveTo(State next) {
        if (state == next) {
            return true;
        }
        if (!state.canMoveTo(next)) {
            return false;
        }
        state = next;
        if (next != State.FAILED) {
            trace = null;
        }
        return true;
    }

    public synchronized void fail(Throwable cause) {
        if (state == State.FAILED || state.canMoveTo(State.FAILED)) {
            state = State.FAILED;
            trace = traceOf(cause);
        }
    }

    static String traceOf(Throwable cause) {
        StringWriter out = new StringWriter();
        cause.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Override
    public synchronized String toString() {
        return name + " " + state;
    }
}
