package io.sluice.broker.cluster;

import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * This broker's part of a topic deletion ({@link DeletionMarks}): when a topic is marked, stop serving
 * it, stop its local replicas, remove their logs and acknowledge. One thread does all of it, so a
 * partition directory is removed by exactly one party; a mark seen twice (the DeleteTopics request
 * and the ZooKeeper watch) is harmless. Marks found at start-up are processed like new ones.
 * {@link #completeWhereDone} is the controller's part.
 */
public final class TopicDeletions implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicDeletions.class);

    private final DeletionMarks marks;
    private final TopicRegistry topics;
    private final int brokerId;
    private final Consumer<String> stopReplicas;
    private final CuratorCache watch;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-topic-deletion");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param stopReplicas stops this broker's replicas of the named topic (leadership, fetchers), before
     *                     their logs are removed
     */
    public TopicDeletions(ClusterStore store, TopicRegistry topics, int brokerId, Consumer<String> stopReplicas) {
        this.marks = new DeletionMarks(store);
        this.topics = topics;
        this.brokerId = brokerId;
        this.stopReplicas = stopReplicas;
        this.watch = CuratorCache.build(store.curator(), ClusterStore.DELETE_TOPICS);
    }

    public void start() {
        topics.onDeleting(t -> executor.execute(() -> deleteHere(t.name())));
        watch.listenable().addListener(CuratorCacheListener.builder().forCreates(node -> {
            String[] parts = node.getPath().substring(ClusterStore.DELETE_TOPICS.length()).split("/");
            if (parts.length == 2) {
                executor.execute(() -> deleteHere(parts[1]));
            }
        }).build());
        watch.start();
    }

    private void deleteHere(String name) {
        try {
            Optional<Uuid> id = marks.markedId(name);
            if (id.isEmpty() || marks.acknowledgements(name).contains(brokerId)) {
                return;
            }
            Optional<TopicInfo> topic = topics.beginDeletion(name, id.get());
            stopReplicas.accept(name);
            topic.ifPresent(topics::deleteLocalLogs);
            marks.acknowledge(name, brokerId);
            log.info("Broker {}: stopped the replicas of {} and removed their logs (topic being deleted)", brokerId, name);
        } catch (RuntimeException e) {
            // The mark stays; the controller keeps waiting for this broker until it restarts and retries.
            log.error("Broker {}: cannot delete the local replicas of topic {}", brokerId, name, e);
        }
    }

    /**
     * The controller's part: removes every marked topic whose live replicas have all acknowledged (a
     * replica on a broker that is down removes its logs when it starts again, as the topic is gone then).
     *
     * @return the names still being deleted
     */
    static Set<String> completeWhereDone(ClusterStore store, Set<Integer> live) {
        DeletionMarks marks = new DeletionMarks(store);
        Set<String> pending = new HashSet<>();
        for (Map.Entry<String, Uuid> mark : marks.all().entrySet()) {
            String name = mark.getKey();
            Optional<TopicInfo> topic;
            try {
                topic = store.readTopic(name);
            } catch (UnreadableNodeException e) {
                topic = Optional.empty();
            }
            if (topic.isPresent() && !topic.get().id().equals(mark.getValue())) {
                store.reportOnce(ClusterStore.DELETE_TOPICS + "/" + name, "Deletion mark of " + name + " names topic id "
                        + mark.getValue() + " but the topic has id " + topic.get().id() + "; dropping the mark", null);
                new TopicNodes(store).deleteOrphan(ClusterStore.DELETE_TOPICS + "/" + name);
                continue;
            }
            Set<Integer> waiting = new HashSet<>();
            topic.ifPresent(t -> t.replicas().forEach(waiting::addAll));
            waiting.retainAll(live);
            waiting.removeAll(marks.acknowledgements(name));
            if (waiting.isEmpty()) {
                marks.complete(name);
                log.info("Deleted topic {}", name);
            } else {
                pending.add(name);
            }
        }
        return pending;
    }

    @Override
    public void close() {
        watch.close();
        executor.shutdownNow();
    }
}
