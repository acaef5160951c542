package io.sluice.connect.worker;

/** What a connector's owner asked for (Kafka Connect's target state); {@link State} is what it reports. */
public enum TargetState {
    STARTED, PAUSED;

    /** The state a healthy connector or task in this target state reports. */
    public State reported() {
        return this == PAUSED ? State.PAUSED : State.RUNNING;
    }
}
