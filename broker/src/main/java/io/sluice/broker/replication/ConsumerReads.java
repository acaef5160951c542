package io.sluice.broker.replication;

import java.util.concurrent.atomic.LongAdder;

/**
 * How many partitions of consumer fetches this broker answered with records, by the role it had for
 * each: what shows, from outside, which replica consumers actually read from (KIP-392).
 */
public final class ConsumerReads {
    private final LongAdder asLeader = new LongAdder();
    private final LongAdder asFollower = new LongAdder();

    /** A consumer fetch answered: how many of its partitions got records here as leader and as follower. */
    public void served(int partitionsAsLeader, int partitionsAsFollower) {
        asLeader.add(partitionsAsLeader);
        asFollower.add(partitionsAsFollower);
    }

    public long servedAsLeader() {
        return asLeader.sum();
    }

    public long servedAsFollower() {
        return asFollower.sum();
    }
}
