package io.sluice.runtime.rest;

/** Where a REST write goes: run here, forward to {@link #leaderUrl}, or refuse (no leader / not the leader). */
public record WriteRoute(Kind kind, String leaderUrl) {
    public enum Kind {
        /** This instance leads: run the write here. */
        LOCAL,
        /** Another instance leads: forward the write to it. */
        FORWARD,
        /** No leader became known within the wait. */
        NO_LEADER,
        /** The write was forwarded here by an instance that took this one for the leader, and it is not. */
        NOT_LEADER
    }

    static WriteRoute of(Kind kind) {
        return new WriteRoute(kind, null);
    }
}
