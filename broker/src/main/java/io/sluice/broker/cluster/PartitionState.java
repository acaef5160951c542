package io.sluice.broker.cluster;

import java.util.List;

/**
 * The leadership of one partition as stored in ZooKeeper at
 * {@code /sluice/topics/<topic>/partitions/<p>/state}: {@code {"leader":1,"leaderEpoch":3,"isr":[1,2],
 * "controllerEpoch":2}}. Only the controller changes the leader (bumping {@code leaderEpoch}); the
 * leader changes the ISR. Every write is conditional on the node's version ({@link Versioned}), so of
 * two writers racing from the same read exactly one wins. A leader of -1 means the partition is offline.
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {

    public PartitionState {
        isr = List.copyOf(isr);
    }

    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(leader, leaderEpoch, newIsr, controllerEpoch);
    }

    /** A state together with the ZooKeeper version of the node it was read from. */
    public record Versioned(PartitionState state, int zkVersion) {
    }
}
