package io.sluice.broker.cluster;

import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.KeeperException;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static io.sluice.broker.cluster.ClusterStore.DELETE_TOPICS;

/**
 * Topic deletion as a state, as Kafka's {@code /admin/delete_topics} was. DeleteTopics only marks the topic
 * ({@code /sluice/admin/delete_topics/<name>} = its id); from then on no broker serves it. Every broker
 * stops its replicas of it, removes their logs and acknowledges with a child node
 * ({@code .../<name>/<brokerId>}); the controller removes the topic's subtree and the mark in one
 * transaction once every live replica has acknowledged. Only then can the name be created again.
 */
public final class DeletionMarks {
    private final ClusterStore store;

    public DeletionMarks(ClusterStore store) {
        this.store = store;
    }

    /**
     * Marks a topic for deletion ({@code /sluice/admin/delete_topics/<name>} = its id), conditional on
     * the topic node still existing. Each replica then stops its partitions, removes its logs and
     * acknowledges with a child node; the controller removes the topic once every live replica did.
     *
     * @return false if the topic no longer exists
     */
    boolean mark(TopicInfo topic) {
        try {
            store.curator().transaction().forOperations(
                    store.curator().transactionOp().check().forPath(ClusterStore.topicPath(topic.name())),
                    store.curator().transactionOp().create().forPath(DELETE_TOPICS + "/" + topic.name(),
                            topic.id().toString().getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return true;
        } catch (KeeperException.NoNodeException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot mark topic " + topic.name() + " for deletion", e);
        }
    }

    /** Topics marked for deletion, name to id (null if the mark holds no readable id). */
    Map<String, Uuid> all() {
        Map<String, Uuid> out = new LinkedHashMap<>();
        try {
            for (String name : store.curator().getChildren().forPath(DELETE_TOPICS)) {
                markedId(name).ifPresent(id -> out.put(name, id));
            }
            return out;
        } catch (KeeperException.NoNodeException e) {
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list topics marked for deletion", e);
        }
    }

    /** The id of the topic marked for deletion under {@code name}; ZERO_UUID for an unreadable mark. */
    Optional<Uuid> markedId(String name) {
        try {
            byte[] data = store.curator().getData().forPath(DELETE_TOPICS + "/" + name);
            try {
                return Optional.of(Uuid.fromString(new String(data, StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                return Optional.of(Uuid.ZERO_UUID);
            }
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the deletion mark of " + name, e);
        }
    }

    /** This broker has stopped its replicas of a topic being deleted and removed their logs. */
    void acknowledge(String name, int brokerId) {
        try {
            store.curator().create().forPath(DELETE_TOPICS + "/" + name + "/" + brokerId);
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
            // acknowledged before, or the deletion is already complete
        } catch (Exception e) {
            throw new IllegalStateException("Cannot acknowledge the deletion of " + name, e);
        }
    }

    java.util.Set<Integer> acknowledgements(String name) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        try {
            for (String child : store.curator().getChildren().forPath(DELETE_TOPICS + "/" + name)) {
                try {
                    out.add(Integer.parseInt(child));
                } catch (NumberFormatException e) {
                    store.reportOnce(DELETE_TOPICS + "/" + name + "/" + child, "Unexpected node under a deletion mark", null);
                }
            }
            return out;
        } catch (KeeperException.NoNodeException e) {
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the deletion acknowledgements of " + name, e);
        }
    }

    /** Completes a deletion: the topic's subtree and its mark go in one transaction. */
    void complete(String name) {
        new TopicNodes(store).deleteTopicTree(name, DELETE_TOPICS + "/" + name);
    }
}
