package io.sluice.service.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a long-running component is in its life. READY means it answers its clients with complete state (for a
 * registry: topic read to the end and a leader known); a component may go back from READY to STARTING while it
 * regains that (for example after losing its group), but never leaves STOPPED.
 */
public enum ServiceState {
    NEW, STARTING, READY, STOPPING, STOPPED, FAILED;

    /** Whether a component in this state may move to {@code next}. */
    public boolean canMoveTo(ServiceState next) {
        return next(this).contains(next);
    }

    /** Whether the component is still meant to run (not stopping, stopped or failed). */
    public boolean isRunning() {
        return this == STARTING || this == READY;
    }

    private static Set<ServiceState> next(ServiceState from) {
        return switch (from) {
            case NEW -> EnumSet.of(STARTING, STOPPED);
            case STARTING -> EnumSet.of(READY, STOPPING, FAILED);
            case READY -> EnumSet.of(STARTING, STOPPING, FAILED);
            case STOPPING -> EnumSet.of(STOPPED, FAILED);
            case FAILED -> EnumSet.of(STOPPING, STOPPED);
            case STOPPED -> EnumSet.noneOf(ServiceState.class);
        };
    }
}
