package io.sluice.connect.worker;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of a connector or task, as Kafka Connect reports it over REST. UNASSIGNED: known but not running here
 * yet; RUNNING / PAUSED / STOPPED follow the connector's target state; FAILED carries a trace; RESTARTING while a
 * restart asked for over REST is under way.
 */
public enum State {
    UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING;

    public boolean canMoveTo(State next) {
        return next(this).contains(next);
    }

    private static Set<State> next(State from) {
        return switch (from) {
            case UNASSIGNED -> EnumSet.of(RUNNING, PAUSED, STOPPED, FAILED, RESTARTING);
            case RUNNING -> EnumSet.of(PAUSED, STOPPED, FAILED, RESTARTING, UNASSIGNED);
            case PAUSED -> EnumSet.of(RUNNING, STOPPED, FAILED, RESTARTING, UNASSIGNED);
            case STOPPED -> EnumSet.of(RUNNING, PAUSED, RESTARTING, UNASSIGNED);
            case FAILED -> EnumSet.of(RESTARTING, UNASSIGNED, STOPPED);
            case RESTARTING -> EnumSet.of(UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED);
        };
    }
}
