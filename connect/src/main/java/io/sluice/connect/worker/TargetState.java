package io.sluice.connect.worker;

/**
 * What a connector's owner asked for (Kafka Connect's target state); {@link State} is what it reports. STOPPED
 * (KIP-875) shuts the connector and its tasks down and drops its task configs, unlike PAUSED which keeps them
 * running idle.
 */
public enum TargetState {
    STARTED, PAUSED, STOPPED;

    /** The state a healthy connector or task in this target state reports. */
    public State reported() {
        return switch (this) {
            case STARTED -> State.RUNNING;
            case PAUSED -> State.PAUSED;
            case STOPPED -> State.STOPPED;
        };
    }
}
