package io.sluice.broker.replication;

import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.cluster.RoleChangeLog;
import io.sluice.broker.cluster.UnreadableNodeException;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.log.PartitionLog;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Role changes from ZooKeeper: watches the topics' assignments and partition states and makes each
 * local replica a leader (it appends and tracks followers) or a follower (a {@link ReplicaFetcher}
 * of its leader's broker fetches for it), or drops it when it is no longer assigned here. A state
 * older than the one applied is ignored. When the ZooKeeper session is lost the broker stops leading
 * at once and re-reads every state on the next session.
 */
final class RoleChanges {
    private static final Logger log = LoggerFactory.getLogger(RoleChanges.class);

    private final int brokerId;
    private final BrokerConfig config;
    private final ClusterStore store;
    private final TopicRegistry topics;
    private final IntFunction<Optional<Node>> nodes;
    private final Map<TopicPartition, Partition> partitions;
    private final Map<TopicPartition, PartitionState.Versioned> states;
    private final Map<TopicPartition, Long> checkpointedHw;
    private final Map<Integer, ReplicaFetcher> fetchers = new ConcurrentHashMap<>();
    private final FollowerApply followerApply;
    private final Consumer<TopicPartition> onAppend;
    private final ReplicaManager.LeadershipListener leadership;
    private final Consumer<Partition> highWatermarkMayMove;
    private final DelayedOperations delayedAcks;
    private final DelayedOperations delayedFetches;
    private final ConnectionStateListener connectionListener;
    /** One line per burst of role changes rather than one per partition. */
    private final RoleChangeLog roleChangeLog;
    private CuratorCache watch;
    private volatile boolean closed;
    /** Between a session loss and the next session: a resync still running must not make this broker lead. */
    private volatile boolean sessionLost;

    /**
     * @param partitions           this broker's replicas, added and removed here
     * @param states               every partition's state as last seen in ZooKeeper, kept up to date here
     * @param checkpointedHw       high watermarks from the checkpoint files, for replicas first seen
     * @param onAppend             listens to a leader's log appends while it leads
     * @param leadership           told when this broker starts or stops leading
     * @param highWatermarkMayMove called after a role change
     * @param background           runs the resync after a new session off the ZooKeeper event thread
     */
    RoleChanges(int brokerId, BrokerConfig config, ClusterStore store, TopicRegistry topics,
                IntFunction<Optional<Node>> nodes, Map<TopicPartition, Partition> partitions,
                Map<TopicPartition, PartitionState.Versioned> states, Map<TopicPartition, Long> checkpointedHw,
                FollowerApply followerApply, Consumer<TopicPartition> onAppend,
                ReplicaManager.LeadershipListener leadership, Consumer<Partition> highWatermarkMayMove,
                DelayedOperations delayedAcks, DelayedOperations delayedFetches, Consumer<Runnable> background,
                ScheduledExecutorService scheduler) {
        this.brokerId = brokerId;
        this.config = config;
        this.store = store;
        this.topics = topics;
        this.nodes = nodes;
        this.partitions = partitions;
        this.states = states;
        this.checkpointedHw = checkpointedHw;
        this.followerApply = followerApply;
        this.onAppend = onAppend;
        this.leadership = leadership;
        this.highWatermarkMayMove = highWatermarkMayMove;
        this.delayedAcks = delayedAcks;
        this.delayedFetches = delayedFetches;
        this.roleChangeLog = new RoleChangeLog(log, scheduler, 200);
        this.connectionListener = (client, state) -> {
            if (state == ConnectionState.LOST) {
                // Right here on Curator's event thread, not queued: fencing is in memory only and must not wait
                // behind a ZooKeeper write (an ISR change stuck in retries) while another broker already leads.
                sessionLost = true;
                try {
                    fenceLeaders();
                } catch (RuntimeException e) {
                    log.error("Broker {}: fencing leaders after ZooKeeper session loss failed", brokerId, e);
                }
            } else if (state == ConnectionState.RECONNECTED) {
                sessionLost = false;
                background.accept(this::resync);
            }
        };
    }

    /** Starts following the topics and partition states in ZooKeeper. */
    void start() {
        watch = CuratorCache.build(store.curator(), "/sluice/topics");
        watch.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> onNode(node, false))
                .forDeletes(node -> onNode(node, true))
                .build());
        watch.start();
        store.curator().getConnectionStateListenable().addListener(connectionListener);
    }

    private void onNode(ChildData node, boolean deleted) {
        if (closed) {
            return;
        }
        try {
            String path = node.getPath();
            String topic = ClusterStore.topicOfPath(path);
            if (topic != null) {
                Optional<TopicInfo> stored = deleted ? Optional.empty() : store.readTopic(topic);
                for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
                    if (tp.topic().equals(topic) && stored.isPresent() && tp.partition() < stored.get().partitionCount()) {
                        List<Integer> replicas = stored.get().replicas().get(tp.partition());
                        Partition p = partitions.get(tp);
                        if (!replicas.contains(brokerId)) {
                            dropPartition(tp);
                        } else if (p != null) {
                            synchronized (p) {
                                p.replicas = replicas;
                                p.followers.keySet().retainAll(replicas);
                            }
                        }
                    }
                }
                topics.refreshFromStore(topic, this::stopTopic);
                if (deleted && topics.get(topic).isEmpty()) { // not re-created meanwhile
                    stopTopic(topic);
                } else {
                    // Partitions newly assigned here whose state is already known.
                    for (Map.Entry<TopicPartition, PartitionState.Versioned> e : new ArrayList<>(states.entrySet())) {
                        if (e.getKey().topic().equals(topic) && !partitions.containsKey(e.getKey())) {
                            applyState(e.getKey(), e.getValue());
                        }
                    }
                }
                return;
            }
            TopicPartition tp = ClusterStore.partitionOfStatePath(path);
            if (tp == null || deleted || node.getData() == null) {
                return;
            }
            PartitionState decoded;
            try {
                decoded = store.decodeState(node.getData());
            } catch (IOException | RuntimeException e) {
                throw new UnreadableNodeException(path, "Partition state " + path + " cannot be parsed", e, false);
            }
            PartitionState.Versioned state = new PartitionState.Versioned(decoded, node.getStat().getVersion());
            states.merge(tp, state, (a, b) -> b.zkVersion() >= a.zkVersion() ? b : a);
            applyState(tp, states.get(tp));
        } catch (UnreadableNodeException e) {
            store.reportOnce(e.path(), e.getMessage(), e.getCause());
        } catch (Exception e) {
            log.error("Broker {}: cannot apply {}", brokerId, node.getPath(), e);
        }
    }

    /**
     * Stops every local replica of a topic being deleted or gone (its logs are removed next, by the caller),
     * each as {@link #dropPartition}: under the write lock, leadership given up, acks=all waiters woken.
     */
    void stopTopic(String topic) {
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            if (tp.topic().equals(topic)) {
                dropPartition(tp);
            }
        }
        states.keySet().removeIf(tp -> tp.topic().equals(topic));
        // A re-created topic of this name starts without the deleted one's high watermarks.
        checkpointedHw.keySet().removeIf(tp -> tp.topic().equals(topic));
    }

    private void dropPartition(TopicPartition tp) {
        Partition p = partitions.remove(tp);
        if (p == null) {
            removeFromFetchers(tp);
            return;
        }
        boolean[] wasLeader = new boolean[1];
        p.changeRole(() -> {
            wasLeader[0] = p.isLeader(brokerId);
            p.leader = -1;
            p.log.removeAppendListener(onAppend);
        });
        // After the role change: a state being applied to p meanwhile may just have added it to a fetcher.
        removeFromFetchers(tp);
        if (wasLeader[0]) {
            leadership.onLeadershipChange(tp, false);
        }
        delayedAcks.wake(tp);
        delayedFetches.wake(tp);
        log.info("Broker {}: no longer a replica of {}", brokerId, tp);
    }

    private void applyState(TopicPartition tp, PartitionState.Versioned versioned) {
        Optional<TopicInfo> topic = topics.get(tp.topic());
        if (topic.isEmpty()) {
            topics.refreshFromStore(tp.topic(), this::stopTopic);
            topic = topics.get(tp.topic());
        }
        if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()
                || !topic.get().replicas().get(tp.partition()).contains(brokerId)) {
            return;
        }
        List<Integer> replicas = topic.get().replicas().get(tp.partition());
        org.apache.kafka.common.Uuid topicId = topic.get().id();
        Partition earlier = partitions.get(tp);
        if (earlier != null && !earlier.topicId.equals(topicId)) {
            // A replica of an earlier topic of this name whose deletion this broker missed: it goes, and the
            // new topic's first states (zkVersion 0, epoch 0) apply to a fresh replica, not as stale ones.
            log.info("Broker {}: {} now belongs to topic id {}, not {}; dropping the earlier replica", brokerId, tp,
                    topicId, earlier.topicId);
            dropPartition(tp);
            checkpointedHw.remove(tp);
        }
        Optional<PartitionLog> partitionLog = topics.log(tp);
        if (partitionLog.isEmpty()) {
            // The state can arrive before the topic change that assigned the partition here.
            topics.refreshFromStore(tp.topic(), this::stopTopic);
            partitionLog = topics.log(tp);
            if (partitionLog.isEmpty()) {
                return;
            }
        }
        Optional<PartitionLog> opened = partitionLog;
        Partition p = partitions.computeIfAbsent(tp, k -> {
            // Looked up again here: a deletion may have hidden the topic and stopped its replicas since (then
            // the log found above is about to go) and must not get a replica back.
            if (!topics.get(k.topic()).map(t -> t.id().equals(topicId)).orElse(false)) {
                return null;
            }
            Partition created = new Partition(k, topicId, opened.get(), replicas, brokerId);
            Long hw = checkpointedHw.get(k);
            // Without a checkpoint nothing is known to be committed: a follower must not serve its log end
            // to consumers before its leader says so, and a leader's ISR moves it up soon enough.
            created.log.updateHighWatermark(hw != null ? hw : created.log.logStartOffset());
            return created;
        });
        if (p == null) {
            return;
        }
        PartitionState s = versioned.state();
        boolean wake = false;
        boolean wasLeader;
        boolean isLeader;
        boolean newLeaderEpoch;
        // Waits for in-flight leader appends: none may land after this broker stops leading.
        p.leaderIsrUpdateLock.writeLock().lock();
        try {
            synchronized (p) {
                if (partitions.get(tp) != p) {
                    return; // dropped meanwhile (dropPartition waits for this lock): no fetcher, no leadership
                }
                wasLeader = p.isLeader(brokerId);
                int epochBefore = p.leaderEpoch;
                p.replicas = replicas;
                if (versioned.zkVersion() < p.zkVersion && s.leaderEpoch() <= p.leaderEpoch) {
                    return;
                }
                boolean leaderChanged = s.leader() != p.leader || s.leaderEpoch() != p.leaderEpoch;
                p.isr = s.isr();
                p.zkVersion = versioned.zkVersion();
                p.controllerEpoch = s.controllerEpoch();
                if (!leaderChanged) {
                    wake = p.isLeader(brokerId);
                } else if (s.leader() == brokerId) {
                    becomeLeader(p, s);
                    wake = true;
                } else {
                    becomeFollower(p, s);
                    wake = true;
                }
                isLeader = p.isLeader(brokerId);
                newLeaderEpoch = p.leaderEpoch != epochBefore;
            }
        } finally {
            p.leaderIsrUpdateLock.writeLock().unlock();
        }
        // A new epoch while leading still is news: someone else may have led (and written) in between.
        if (wasLeader != isLeader || (isLeader && newLeaderEpoch)) {
            leadership.onLeadershipChange(tp, isLeader);
        }
        if (wake) {
            highWatermarkMayMove.accept(p);
            delayedAcks.wake(tp);
            delayedFetches.wake(tp);
        }
    }

    /**
     * The ZooKeeper session is gone, so the controller may already have elected other leaders: stop
     * acting as leader at once (no split brain) until the states are read again.
     */
    private void fenceLeaders() {
        for (Partition p : partitions.values()) {
            boolean[] fenced = new boolean[1];
            p.changeRole(() -> {
                if (p.isLeader(brokerId)) {
                    p.leader = -1;
                    p.log.removeAppendListener(onAppend);
                    fenced[0] = true;
                }
            });
            if (fenced[0]) {
                log.warn("Broker {}: ZooKeeper session lost; no longer leading {}", brokerId, p.tp);
                leadership.onLeadershipChange(p.tp, false);
                delayedAcks.wake(p.tp);
                delayedFetches.wake(p.tp);
            }
        }
    }

    /** After a new ZooKeeper session: read every local partition's state again and act on it. */
    private void resync() {
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            if (sessionLost) {
                return;
            }
            store.readPartitionState(tp.topic(), tp.partition()).ifPresent(state -> {
                states.put(tp, state);
                applyState(tp, state);
            });
        }
    }

    private void becomeLeader(Partition p, PartitionState s) {
        removeFromFetchers(p.tp);
        p.becomeLeader(s.leaderEpoch(), System.currentTimeMillis());
        p.log.addAppendListener(onAppend);
        roleChangeLog.add("Broker " + brokerId + ": leader of", p.tp, String.format(
                "Broker %d: leader of %s at epoch %d (isr %s, log end %d, high watermark %d)", brokerId, p.tp,
                p.leaderEpoch, p.isr, p.log.logEndOffset(), p.log.highWatermark()));
    }

    private void becomeFollower(Partition p, PartitionState s) {
        p.log.removeAppendListener(onAppend);
        removeFromFetchers(p.tp);
        p.becomeFollower(s.leader(), s.leaderEpoch());
        if (s.leader() >= 0) {
            // The fetcher's first Fetch tells the leader our last epoch; a diverging log is truncated then.
            fetchers.computeIfAbsent(s.leader(), id -> {
                ReplicaFetcher fetcher = new ReplicaFetcher(id, followerApply, config, nodes);
                fetcher.start();
                return fetcher;
            }).add(p.tp, p.leaderEpoch);
        }
        roleChangeLog.add("Broker " + brokerId + ": follower of", p.tp, String.format(
                "Broker %d: follower of %s at epoch %d (leader %d, log end %d)", brokerId, p.tp, p.leaderEpoch,
                s.leader(), p.log.logEndOffset()));
    }

    private void removeFromFetchers(TopicPartition tp) {
        for (ReplicaFetcher fetcher : fetchers.values()) {
            fetcher.remove(tp);
        }
    }

    void close() {
        closed = true;
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        if (watch != null) {
            watch.close();
        }
        for (ReplicaFetcher fetcher : fetchers.values()) {
            fetcher.shutdown();
        }
    }
}
