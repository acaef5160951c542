package io.sluice.broker.cluster;

import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * Explicit replica assignments (CreateTopics' and CreatePartitions' {@code assignments}), validated
 * with Kafka's rules and messages: partitions numbered 0..n-1 without gaps or repeats, no empty replica
 * list, only registered brokers, no broker twice, and one replication factor for the whole topic.
 */
public final class ManualAssignment {

    private ManualAssignment() {
    }

    /** Replica lists by partition index (as CreateTopics sends them) turned into a list, validated. */
    public static List<List<Integer>> forNewTopic(Map<Integer, List<Integer>> byPartition, Set<Integer> registered) {
        TreeMap<Integer, List<Integer>> sorted = new TreeMap<>(byPartition);
        List<List<Integer>> out = new ArrayList<>();
        int expected = 0;
        for (Map.Entry<Integer, List<Integer>> e : sorted.entrySet()) {
            if (e.getKey() != expected++) {
                throw new InvalidReplicaAssignmentException("Partitions should be a consecutive 0-based integer sequence");
            }
            validate(e.getValue(), registered, out.isEmpty() ? OptionalInt.empty() : OptionalInt.of(out.get(0).size()));
            out.add(List.copyOf(e.getValue()));
        }
        return out;
    }

    /** Replica lists of partitions added to a topic of {@code replicationFactor}, validated. */
    public static List<List<Integer>> forNewPartitions(List<List<Integer>> assignments, int additional,
                                                       int replicationFactor, Set<Integer> registered) {
        if (assignments.size() != additional) {
            throw new InvalidReplicaAssignmentException("Attempted to add " + additional
                    + " additional partition(s), but only " + assignments.size() + " assignment(s) were specified.");
        }
        List<List<Integer>> out = new ArrayList<>();
        for (List<Integer> replicas : assignments) {
            validate(replicas, registered, OptionalInt.of(replicationFactor));
            out.add(List.copyOf(replicas));
        }
        return out;
    }

    static void validate(List<Integer> replicas, Set<Integer> registered, OptionalInt replicationFactor) {
        if (replicas.isEmpty()) {
            throw new InvalidReplicaAssignmentException("The manual partition assignment includes an empty replica list.");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer broker : replicas) {
            if (!registered.contains(broker)) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes broker "
                        + broker + ", but no such broker is registered.");
            }
            if (!seen.add(broker)) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes the broker "
                        + broker + " more than once.");
            }
        }
        if (replicationFactor.isPresent() && replicationFactor.getAsInt() != replicas.size()) {
            throw new InvalidReplicaAssignmentException("The manual partition assignment includes a partition with "
                    + replicas.size() + " replica(s), but this is not consistent with previous partitions, which have "
                    + replicationFactor.getAsInt() + " replica(s).");
        }
    }
}
