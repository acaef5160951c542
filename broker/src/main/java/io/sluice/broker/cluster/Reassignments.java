package io.sluice.broker.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.KeeperException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Partition reassignments in progress, one ZooKeeper node per partition:
 * {@code /sluice/admin/reassignments/<topic>:<partition>} = {@code {"original":[1,2,3],"target":[2,3,4]}}.
 * The AlterPartitionReassignments handler writes them; the controller drives each one (adding the
 * target replicas, waiting until they are all in the ISR, moving leadership into the target, then
 * dropping the others) and deletes the node when done. Cancelling sets the target back to the original.
 */
public final class Reassignments {
    static final String ROOT = "/sluice/admin/reassignments";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A reassignment of one partition from {@code original} to {@code target} replicas. */
    public record Reassignment(List<Integer> original, List<Integer> target) {

        /** The replica set while moving: the target first, then the original replicas not in it. */
        public List<Integer> transitional() {
            List<Integer> out = new ArrayList<>(target);
            original.stream().filter(r -> !target.contains(r)).forEach(out::add);
            return out;
        }

        public List<Integer> adding() {
            return target.stream().filter(r -> !original.contains(r)).toList();
        }

        public List<Integer> removing() {
            return original.stream().filter(r -> !target.contains(r)).toList();
        }
    }

    private Reassignments() {
    }

    static String path(TopicPartition tp) {
        return ROOT + "/" + tp.topic() + ":" + tp.partition();
    }

    public static Optional<Reassignment> read(ClusterStore store, TopicPartition tp) {
        try {
            return Optional.of(JSON.readValue(store.curator().getData().forPath(path(tp)), Reassignment.class));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the reassignment of " + tp, e);
        }
    }

    /** Starts (or retargets) a reassignment; {@code currentReplicas} becomes its original set if it is new. */
    public static void write(ClusterStore store, TopicPartition tp, List<Integer> currentReplicas, List<Integer> target) {
        try {
            Optional<Reassignment> existing = read(store, tp);
            Reassignment r = new Reassignment(existing.map(Reassignment::original).orElse(currentReplicas), target);
            byte[] data = JSON.writeValueAsBytes(r);
            if (store.curator().checkExists().forPath(ROOT) == null) {
                try {
                    store.curator().create().creatingParentsIfNeeded().forPath(ROOT);
                } catch (KeeperException.NodeExistsException e) {
                    // created meanwhile
                }
            }
            // Only while the topic exists: a reassignment written after a deletion would outlive it.
            store.curator().transaction().forOperations(
                    store.curator().transactionOp().check().forPath(ClusterStore.topicPath(tp.topic())),
                    existing.isPresent() ? store.curator().transactionOp().setData().forPath(path(tp), data)
                            : store.curator().transactionOp().create().forPath(path(tp), data));
        } catch (KeeperException.NoNodeException e) {
            if (store.readTopic(tp.topic()).isEmpty()) {
                throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("Topic '" + tp.topic()
                        + "' does not exist.");
            }
            throw new IllegalStateException("The reassignment of " + tp + " completed meanwhile; try again");
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write the reassignment of " + tp, e);
        }
    }

    public static Map<TopicPartition, Reassignment> all(ClusterStore store) {
        Map<TopicPartition, Reassignment> out = new LinkedHashMap<>();
        try {
            if (store.curator().checkExists().forPath(ROOT) == null) {
                return out;
            }
            for (String child : store.curator().getChildren().forPath(ROOT)) {
                int colon = child.lastIndexOf(':');
                if (colon <= 0) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(child.substring(0, colon), Integer.parseInt(child.substring(colon + 1)));
                read(store, tp).ifPresent(r -> out.put(tp, r));
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list reassignments", e);
        }
    }

    static void delete(ClusterStore store, TopicPartition tp) {
        try {
            store.curator().delete().forPath(path(tp));
        } catch (KeeperException.NoNodeException e) {
            // already done
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete the reassignment of " + tp, e);
        }
    }
}
