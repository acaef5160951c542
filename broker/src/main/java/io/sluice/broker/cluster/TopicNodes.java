package io.sluice.broker.cluster;

import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whole subtrees under {@code /sluice/topics}: removed in one transaction (a completed deletion, an
 * orphan), so that no late writer can leave part of one behind, and the orphans themselves found — the
 * empty topic node a write that created its parents left behind a deletion, a partition node no
 * partition of its topic owns, a partition state that cannot be parsed.
 */
final class TopicNodes {
    private static final Logger log = LoggerFactory.getLogger(TopicNodes.class);

    private final ClusterStore store;

    TopicNodes(ClusterStore store) {
        this.store = store;
    }

    /**
     * Removes a topic's whole subtree (and {@code extraPaths}, e.g. its deletion mark) in one transaction,
     * so that no late write can leave part of it behind; a child that appeared meanwhile makes the
     * transaction fail and it is tried again with the new tree.
     */
    void deleteTopicTree(String name, String... extraRoots) {
        for (int attempt = 0; ; attempt++) {
            try {
                List<String> paths = new ArrayList<>();
                for (String root : extraRoots) {
                    collectPostOrder(root, paths);
                }
                collectPostOrder(ClusterStore.topicPath(name), paths);
                if (paths.isEmpty()) {
                    return;
                }
                List<CuratorOp> ops = new ArrayList<>();
                for (String path : paths) {
                    ops.add(store.curator().transactionOp().delete().forPath(path));
                }
                store.curator().transaction().forOperations(ops);
                return;
            } catch (KeeperException.NotEmptyException | KeeperException.NoNodeException e) {
                if (attempt >= 20) {
                    throw new IllegalStateException("Cannot delete topic " + name + ": its nodes keep changing", e);
                }
            } catch (Exception e) {
                throw new IllegalStateException("Cannot delete topic " + name + " from ZooKeeper", e);
            }
        }
    }

    private void collectPostOrder(String path, List<String> out) throws Exception {
        List<String> children;
        try {
            children = store.curator().getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        for (String child : children) {
            collectPostOrder(path + "/" + child, out);
        }
        out.add(path);
    }

    /** Children of a topic's {@code partitions} node (partition numbers as stored), empty if none. */
    List<String> partitionNodes(String name) {
        try {
            return store.curator().getChildren().forPath(ClusterStore.topicPath(name) + "/partitions");
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list the partitions of " + name, e);
        }
    }

    /** Deletes a subtree that belongs to no topic (an orphan), if it has not changed since it was seen. */
    void deleteOrphan(String path) {
        try {
            List<String> paths = new ArrayList<>();
            collectPostOrder(path, paths);
            List<CuratorOp> ops = new ArrayList<>();
            for (String p : paths) {
                ops.add(store.curator().transactionOp().delete().forPath(p));
            }
            if (!ops.isEmpty()) {
                store.curator().transaction().forOperations(ops);
            }
        } catch (KeeperException.NotEmptyException | KeeperException.NoNodeException e) {
            // changed meanwhile: the next reconciliation looks again
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete " + path, e);
        }
    }

    /** Removes the partition nodes of {@code topic} that belong to none of its partitions. */
    void removeStrayPartitions(TopicInfo topic) {
        for (String child : partitionNodes(topic.name())) {
            if (!isPartitionOf(child, topic)) {
                String path = ClusterStore.topicPath(topic.name()) + "/partitions/" + child;
                store.reportOnce(path, "Partition node " + path + " belongs to no partition of " + topic.name()
                        + " (" + topic.partitionCount() + " partitions); removing it", null);
                deleteOrphan(path);
            }
        }
    }

    private static boolean isPartitionOf(String child, TopicInfo topic) {
        try {
            int p = Integer.parseInt(child);
            return p >= 0 && p < topic.partitionCount() && String.valueOf(p).equals(child);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A partition state, or empty (and the unreadable node removed, so that it is elected afresh). */
    Optional<PartitionState.Versioned> readStateOrRemove(String topic, int partition) {
        try {
            return store.readPartitionState(topic, partition);
        } catch (UnreadableNodeException e) {
            store.reportOnce(e.path(), e.getMessage() + "; electing afresh", e.getCause());
            deleteOrphan(e.path());
            return Optional.empty();
        }
    }

    /** The empty node a write that created its parents left behind a deleted topic is removed. */
    void removeIfOrphan(UnreadableNodeException e) {
        if (e.empty()) {
            log.info("Removing {}: an empty topic node left behind by a deletion", e.path());
            deleteOrphan(e.path());
        }
    }
}
