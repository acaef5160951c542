package io.sluice.runtime.rest;

import io.sluice.runtime.group.LeaderElection;

import java.time.Duration;
import java.util.Optional;

/**
 * Decides where a REST write runs in a group of instances with one leader. A freshly started instance, or one in
 * the middle of a rebalance, knows no leader yet: the write waits for one (at most {@code wait}) instead of
 * failing at once, so a client that writes as soon as the port opens succeeds.
 */
public final class WriteRouter {
    private final LeaderElection election;
    private final Duration wait;

    public WriteRouter(LeaderElection election, Duration wait) {
        this.election = election;
        this.wait = wait;
    }

    /**
     * @param forwarded whether the request carries {@link LeaderForwarder#FORWARDED_HEADER}: another instance
     *                  already forwarded it here, so it is never forwarded again
     */
    public WriteRoute route(boolean forwarded) throws InterruptedException {
        if (election.isLeader()) {
            return WriteRoute.of(WriteRoute.Kind.LOCAL);
        }
        Optional<String> leader = election.awaitLeader(wait);
        if (election.isLeader()) {
            return WriteRoute.of(WriteRoute.Kind.LOCAL);
        }
        if (forwarded) {
            return WriteRoute.of(WriteRoute.Kind.NOT_LEADER);
        }
        return leader.map(url -> new WriteRoute(WriteRoute.Kind.FORWARD, url))
                .orElse(WriteRoute.of(WriteRoute.Kind.NO_LEADER));
    }
}
