package io.sluice.broker.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.LogConfig;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Controller election and partition leadership. Every broker runs one; the one that creates the
 * ephemeral {@code /sluice/controller} node is active until its session ends. On winning it increments
 * {@code /sluice/controller_epoch} (a conditional write, so epochs never repeat) and from then on makes
 * every partition-state write conditional on that node's version as well: a controller that lost its
 * session and has not noticed yet is fenced by ZooKeeper itself.
 *
 * <p>The active controller reconciles on every change of brokers or topics: a partition without state
 * gets one (leader = first live replica, ISR = live replicas, epoch 0); a partition whose leader is gone
 * gets the first live replica (in assignment order) that is in the ISR, or with
 * {@code unclean.leader.election.enable} any live replica, with the leader epoch bumped; dead brokers
 * leave the ISR (the last member stays, so that only it can be elected cleanly when it comes back).
 * All work runs on one thread.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    static final String CONTROLLER = "/sluice/controller";
    static final String CONTROLLER_EPOCH = "/sluice/controller_epoch";
    static final String ELECTIONS = "/sluice/admin/preferred_replica_election";

    private final ClusterStore store;
    private final TopicNodes nodes;
    private final CuratorFramework zk;
    private final BrokerConfig config;
    private final int brokerId;
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-controller");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private final RoleChangeLog leaderChanges = new RoleChangeLog(log);
    private final CuratorCache controllerWatch;
    private final CuratorCache brokerWatch;
    private final CuratorCache topicWatch;
    private final CuratorCache electionWatch;
    private final CuratorCache reassignmentWatch;
    private final CuratorCache deletionWatch;
    private volatile boolean reassigning;
    private final ConnectionStateListener connectionListener;
    private volatile boolean active;
    private volatile int epoch = -1;
    private volatile int epochZkVersion = -1;
    private volatile boolean closed;
    private volatile boolean resigned;
    private volatile int activeControllerId = -1;

    public Controller(ClusterStore store, BrokerConfig config) {
        this.store = store;
        this.nodes = new TopicNodes(store);
        this.zk = store.curator();
        this.config = config;
        this.brokerId = config.brokerId();
        this.controllerWatch = CuratorCache.build(zk, CONTROLLER);
        this.brokerWatch = CuratorCache.build(zk, "/sluice/brokers/ids");
        this.topicWatch = CuratorCache.build(zk, "/sluice/topics");
        this.electionWatch = CuratorCache.build(zk, ELECTIONS);
        this.reassignmentWatch = CuratorCache.build(zk, Reassignments.ROOT);
        this.deletionWatch = CuratorCache.build(zk, ClusterStore.DELETE_TOPICS);
        this.connectionListener = (client, state) -> {
            if (state == ConnectionState.LOST) {
                if (active) {
                    log.warn("Broker {}: ZooKeeper connection {}; no longer acting as controller", brokerId, state);
                }
                active = false;
            } else if (state == ConnectionState.RECONNECTED) {
                executor.execute(this::elect);
            }
        };
    }

    public void start() {
        zk.getConnectionStateListenable().addListener(connectionListener);
        controllerWatch.listenable().addListener((type, oldData, data) -> {
            if (type == org.apache.curator.framework.recipes.cache.CuratorCacheListener.Type.NODE_DELETED) {
                activeControllerId = -1;
                executor.execute(this::elect);
            } else if (data != null && data.getData() != null) {
                try {
                    activeControllerId = json.readTree(data.getData()).get("brokerId").asInt();
                } catch (java.io.IOException | RuntimeException e) {
                    log.warn("Broker {}: cannot read the controller node {}; controller unknown", brokerId, CONTROLLER, e);
                    activeControllerId = -1;
                }
            }
        });
        brokerWatch.listenable().addListener((type, oldData, data) -> scheduleReconcile(0));
        topicWatch.listenable().addListener((type, oldData, data) -> {
            String path = data != null ? data.getPath() : oldData != null ? oldData.getPath() : "";
            if (ClusterStore.topicOfPath(path) != null
                    || (reassigning && ClusterStore.partitionOfStatePath(path) != null)) {
                scheduleReconcile(0);
            }
        });
        electionWatch.listenable().addListener((type, oldData, data) -> {
            if (type == org.apache.curator.framework.recipes.cache.CuratorCacheListener.Type.NODE_CREATED) {
                executor.execute(this::runRequestedElections);
            }
        });
        reassignmentWatch.listenable().addListener((type, oldData, data) -> scheduleReconcile(0));
        reassignmentWatch.start();
        deletionWatch.listenable().addListener((type, oldData, data) -> scheduleReconcile(0));
        deletionWatch.start();
        controllerWatch.start();
        brokerWatch.start();
        topicWatch.start();
        electionWatch.start();
        executor.execute(this::elect);
        if (config.getBoolean(BrokerConfig.AUTO_LEADER_REBALANCE_ENABLE)) {
            long interval = config.getLong(BrokerConfig.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS);
            executor.scheduleWithFixedDelay(this::rebalanceQuietly, interval, interval, TimeUnit.SECONDS);
        }
    }

    public boolean isActive() {
        return active;
    }

    public int epoch() {
        return epoch;
    }

    /** The id of the active controller as last seen in ZooKeeper, or -1. */
    public int activeControllerId() {
        return activeControllerId;
    }

    private void elect() {
        if (closed || active || resigned) {
            return;
        }
        try {
            try {
                zk.create().withMode(CreateMode.EPHEMERAL).forPath(CONTROLLER,
                        ("{\"brokerId\":" + brokerId + "}").getBytes(StandardCharsets.UTF_8));
            } catch (KeeperException.NodeExistsException e) {
                byte[] data = zk.getData().forPath(CONTROLLER);
                if (json.readTree(data).get("brokerId").asInt() == brokerId) {
                    // Ours, from before a connection loss: give it up and run for election again.
                    zk.delete().forPath(CONTROLLER);
                    executor.execute(this::elect);
                }
                return;
            }
            int[] bumped = bumpEpoch();
            epoch = bumped[0];
            epochZkVersion = bumped[1];
            active = true;
            log.info("Broker {} is the controller (epoch {})", brokerId, epoch);
            scheduleReconcile(0);
            executor.execute(this::runRequestedElections);
        } catch (Exception e) {
            log.warn("Broker {}: controller election failed; retrying", brokerId, e);
            executor.schedule(this::elect, 500, TimeUnit.MILLISECONDS);
        }
    }

    /** Increments the controller epoch with a conditional write; returns {epoch, node version}. */
    private int[] bumpEpoch() throws Exception {
        while (true) {
            Stat stat = new Stat();
            try {
                byte[] data = zk.getData().storingStatIn(stat).forPath(CONTROLLER_EPOCH);
                int next = Integer.parseInt(new String(data, StandardCharsets.UTF_8).trim()) + 1;
                Stat written = zk.setData().withVersion(stat.getVersion())
                        .forPath(CONTROLLER_EPOCH, String.valueOf(next).getBytes(StandardCharsets.UTF_8));
                return new int[] {next, written.getVersion()};
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().forPath(CONTROLLER_EPOCH, "1".getBytes(StandardCharsets.UTF_8));
                    return new int[] {1, 0};
                } catch (KeeperException.NodeExistsException raced) {
                    // another controller candidate created it: read again
                }
            } catch (KeeperException.BadVersionException e) {
                // raced with another controller: read again
            }
        }
    }

    private void scheduleReconcile(long delayMs) {
        if (closed || !reconcileQueued.compareAndSet(false, true)) {
            return;
        }
        executor.schedule(() -> {
            reconcileQueued.set(false);
            reconcile();
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /**
     * One round over every topic. Each topic is handled on its own: a node that cannot be read is
     * reported once and skipped (and removed if it is the empty leftover of a deletion), a failure on one
     * topic is logged and retried later without holding up the others.
     */
    private void reconcile() {
        if (!active || closed) {
            return;
        }
        boolean retry = false;
        boolean failed = false;
        try {
            Set<Integer> live = store.liveBrokers().stream().map(ClusterStore.BrokerRegistration::id)
                    .collect(Collectors.toSet());
            Set<String> beingDeleted = TopicDeletions.completeWhereDone(store, live);
            for (TopicInfo topic : store.loadTopics(nodes::removeIfOrphan).values()) {
                if (beingDeleted.contains(topic.name())) {
                    continue;
                }
                try {
                    switch (reconcile(topic, live)) {
                        case DONE -> { }
                        case RETRY -> retry = true;
                        case FENCED -> {
                            log.warn("Broker {}: controller epoch {} was superseded; resigning", brokerId, epoch);
                            active = false;
                            return;
                        }
                    }
                } catch (RuntimeException e) {
                    if (closed || !active) {
                        log.debug("Controller stopped while reconciling {}", topic.name(), e);
                        return;
                    }
                    store.reportOnce(ClusterStore.topicPath(topic.name()) + " (reconciliation)", "Cannot reconcile topic " + topic.name()
                            + " (retrying; the other topics go on)", e);
                    failed = true;
                }
            }
            retry |= !advanceReassignments(live);
        } catch (RuntimeException e) {
            if (closed || !active) {
                log.debug("Controller stopped while reconciling", e);
                return;
            }
            log.warn("Controller reconciliation failed; retrying", e);
            scheduleReconcile(500);
            return;
        } finally {
            leaderChanges.flush();
        }
        if (failed) {
            scheduleReconcile(500);
        } else if (retry) {
            scheduleReconcile(50); // lost a race on a node version: read again soon
        }
    }

    private enum Outcome { DONE, RETRY, FENCED }

    private Outcome reconcile(TopicInfo topic, Set<Integer> live) {
        boolean unclean = LogConfig.of(config, topic.configs()).uncleanLeaderElectionEnable();
        Map<Integer, ClusterStore.StateWrite> writes = new java.util.TreeMap<>();
        Map<Integer, Integer> leadersBefore = new java.util.HashMap<>();
        for (int p = 0; p < topic.partitionCount(); p++) {
            Optional<PartitionState.Versioned> current = nodes.readStateOrRemove(topic.name(), p);
            PartitionState next = decide(topic.replicas().get(p), current.map(PartitionState.Versioned::state),
                    live, unclean, epoch);
            if (next != null) {
                writes.put(p, new ClusterStore.StateWrite(next, current.map(PartitionState.Versioned::zkVersion).orElse(-1)));
                leadersBefore.put(p, current.map(c -> c.state().leader()).orElse(Integer.MIN_VALUE));
            }
        }
        if (!writes.isEmpty()) {
            // All of a topic's changes in one transaction: a new topic's partitions get leaders in one round trip.
            if (store.writePartitionStates(topic.name(), writes, epochZkVersion, CONTROLLER_EPOCH) == null) {
                return fenced() ? Outcome.FENCED : Outcome.RETRY;
            }
            writes.forEach((p, w) -> {
                if (leadersBefore.get(p) != w.state().leader()) {
                    leaderChanges.add("Controller: elected leaders of", new TopicPartition(topic.name(), p),
                            String.format("Partition %s-%d: leader %d epoch %d isr %s", topic.name(), p,
                                    w.state().leader(), w.state().leaderEpoch(), w.state().isr()));
                }
            });
        }
        nodes.removeStrayPartitions(topic);
        return Outcome.DONE;
    }

    /**
     * Moves every reassignment one step: the topic's replica list becomes target + original while the
     * new replicas catch up; once all target replicas are in the ISR, leadership moves into the target
     * if needed (epoch bumped), the ISR is cut to the target and the replica list becomes the target.
     *
     * @return false when a conditional write lost a race (try again soon)
     */
    private boolean advanceReassignments(Set<Integer> live) {
        Map<org.apache.kafka.common.TopicPartition, Reassignments.Reassignment> pending = Reassignments.all(store);
        reassigning = !pending.isEmpty();
        boolean ok = true;
        for (Map.Entry<org.apache.kafka.common.TopicPartition, Reassignments.Reassignment> e : pending.entrySet()) {
            org.apache.kafka.common.TopicPartition tp = e.getKey();
            Reassignments.Reassignment r = e.getValue();
            Optional<ClusterStore.VersionedTopic> versioned = readVersionedQuietly(tp.topic());
            Optional<TopicInfo> topic = versioned.map(ClusterStore.VersionedTopic::topic);
            if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()
                    || new DeletionMarks(store).markedId(tp.topic()).isPresent()) {
                Reassignments.delete(store, tp);
                continue;
            }
            List<Integer> current = topic.get().replicas().get(tp.partition());
            Optional<PartitionState.Versioned> state = store.readPartitionState(tp.topic(), tp.partition());
            if (state.isEmpty()) {
                continue;
            }
            PartitionState s = state.get().state();
            if (!r.target().equals(current) && !r.transitional().equals(current)) {
                if (!updateTopic(withReplicas(topic.get(), tp.partition(), r.transitional()), versioned.get().zkVersion())) {
                    ok = false;
                    continue;
                }
                log.info("Reassigning {}: replicas {} while {} catch up", tp, r.transitional(), r.adding());
                continue;
            }
            if (!s.isr().containsAll(r.target())) {
                continue;
            }
            int leader = r.target().contains(s.leader()) ? s.leader()
                    : r.target().stream().filter(live::contains).findFirst().orElse(-1);
            if (leader < 0) {
                continue;
            }
            List<Integer> isr = r.target().stream().filter(s.isr()::contains).toList();
            PartitionState next = new PartitionState(leader, leader == s.leader() ? s.leaderEpoch() : s.leaderEpoch() + 1,
                    isr, epoch);
            if (!next.equals(s) && store.writePartitionState(tp.topic(), tp.partition(), next,
                    state.get().zkVersion(), epochZkVersion, CONTROLLER_EPOCH) < 0) {
                ok = false;
                continue;
            }
            if (!updateTopic(withReplicas(topic.get(), tp.partition(), r.target()), versioned.get().zkVersion())) {
                ok = false; // the partition state is already written; the next round finds it and retries this
                continue;
            }
            Reassignments.delete(store, tp);
            log.info("Reassigned {} to {} (leader {} epoch {})", tp, r.target(), leader, next.leaderEpoch());
        }
        return ok;
    }

    private Optional<TopicInfo> readTopicQuietly(String name) {
        return readVersionedQuietly(name).map(ClusterStore.VersionedTopic::topic);
    }

    private Optional<ClusterStore.VersionedTopic> readVersionedQuietly(String name) {
        try {
            return store.readTopicVersioned(name);
        } catch (UnreadableNodeException e) {
            store.reportOnce(e.path(), e.getMessage(), e.getCause());
            return Optional.empty();
        }
    }

    /** Writes the topic if its node is still at {@code zkVersion}; false when it changed meanwhile (re-read and retry). */
    private boolean updateTopic(TopicInfo topic, int zkVersion) {
        try {
            store.updateTopic(topic, zkVersion);
            return true;
        } catch (ClusterStore.ConcurrentTopicUpdateException e) {
            log.info("Topic {} changed while its reassignment advanced; retrying", topic.name());
            return false;
        }
    }

    private static TopicInfo withReplicas(TopicInfo topic, int partition, List<Integer> replicas) {
        List<List<Integer>> all = new ArrayList<>(topic.replicas());
        all.set(partition, List.copyOf(replicas));
        return new TopicInfo(topic.name(), topic.id(), all, topic.configs());
    }

    private boolean fenced() {
        try {
            Stat stat = zk.checkExists().forPath(CONTROLLER_EPOCH);
            return stat == null || stat.getVersion() != epochZkVersion;
        } catch (Exception e) {
            // Unknown counts as fenced: better to stop and re-elect than to act on a stale epoch.
            log.warn("Broker {}: cannot read {}; assuming this controller was superseded", brokerId, CONTROLLER_EPOCH, e);
            return true;
        }
    }

    /** The state a partition should have, or null when it already has it. */
    static PartitionState decide(List<Integer> replicas, Optional<PartitionState> current, Set<Integer> live,
                                 boolean unclean, int controllerEpoch) {
        List<Integer> liveReplicas = replicas.stream().filter(live::contains).toList();
        if (current.isEmpty()) {
            int leader = liveReplicas.isEmpty() ? -1 : liveReplicas.get(0);
            return new PartitionState(leader, 0, liveReplicas.isEmpty() ? replicas : liveReplicas, controllerEpoch);
        }
        PartitionState s = current.get();
        List<Integer> liveIsr = replicas.stream().filter(r -> s.isr().contains(r) && live.contains(r)).toList();
        if (s.leader() >= 0 && live.contains(s.leader())) {
            if (liveIsr.isEmpty() || liveIsr.equals(sorted(s.isr(), replicas))) {
                return null;
            }
            return new PartitionState(s.leader(), s.leaderEpoch(), liveIsr, controllerEpoch);
        }
        if (!liveIsr.isEmpty()) {
            return new PartitionState(liveIsr.get(0), s.leaderEpoch() + 1, liveIsr, controllerEpoch);
        }
        if (unclean && !liveReplicas.isEmpty()) {
            log.warn("Unclean leader election: replica {} is not in the ISR {}; records may be lost",
                    liveReplicas.get(0), s.isr());
            return new PartitionState(liveReplicas.get(0), s.leaderEpoch() + 1, List.of(liveReplicas.get(0)),
                    controllerEpoch);
        }
        if (s.leader() == -1) {
            return null;
        }
        // Offline: keep the last ISR so that only one of its members can be elected (cleanly) later.
        return new PartitionState(-1, s.leaderEpoch() + 1, s.isr(), controllerEpoch);
    }

    private static List<Integer> sorted(List<Integer> isr, List<Integer> replicas) {
        List<Integer> out = new ArrayList<>();
        for (Integer r : replicas) {
            if (isr.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Asks the active controller (whichever broker it is) to move the given partitions' leadership to
     * their preferred replicas: a sequential node under {@code /sluice/admin/preferred_replica_election}
     * that the controller processes and deletes.
     */
    public static void requestPreferredElection(ClusterStore store, java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
        try {
            String body = partitions.stream().map(tp -> tp.topic() + ":" + tp.partition())
                    .collect(Collectors.joining("\n"));
            store.curator().create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(ELECTIONS + "/request-", body.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot request a preferred leader election", e);
        }
    }

    private void runRequestedElections() {
        if (!active || closed) {
            return;
        }
        try {
            if (zk.checkExists().forPath(ELECTIONS) == null) {
                return;
            }
            for (String child : zk.getChildren().forPath(ELECTIONS)) {
                String path = ELECTIONS + "/" + child;
                byte[] data;
                try {
                    data = zk.getData().forPath(path);
                } catch (KeeperException.NoNodeException e) {
                    continue;
                }
                List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
                for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
                    int colon = line.lastIndexOf(':');
                    if (colon > 0) {
                        partitions.add(new org.apache.kafka.common.TopicPartition(line.substring(0, colon),
                                Integer.parseInt(line.substring(colon + 1).trim())));
                    }
                }
                electPreferred(partitions);
                try {
                    zk.delete().forPath(path);
                } catch (KeeperException.NoNodeException e) {
                    // done by a previous controller
                }
            }
        } catch (Exception e) {
            log.warn("Preferred leader election failed", e);
        }
    }

    private void rebalanceQuietly() {
        if (!active || closed) {
            return;
        }
        try {
            List<org.apache.kafka.common.TopicPartition> all = new ArrayList<>();
            for (TopicInfo topic : store.loadTopics().values()) {
                for (int p = 0; p < topic.partitionCount(); p++) {
                    all.add(new org.apache.kafka.common.TopicPartition(topic.name(), p));
                }
            }
            electPreferred(all);
        } catch (RuntimeException e) {
            log.warn("Automatic leader rebalance failed", e);
        }
    }

    /** Moves leadership to the preferred (first) replica wherever it is live and in the ISR. */
    private void electPreferred(List<org.apache.kafka.common.TopicPartition> partitions) {
        Set<Integer> live = store.liveBrokers().stream().map(ClusterStore.BrokerRegistration::id)
                .collect(Collectors.toSet());
        for (org.apache.kafka.common.TopicPartition tp : partitions) {
            Optional<TopicInfo> topic = readTopicQuietly(tp.topic());
            if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()) {
                continue;
            }
            int preferred = topic.get().replicas().get(tp.partition()).get(0);
            Optional<PartitionState.Versioned> current = store.readPartitionState(tp.topic(), tp.partition());
            if (current.isEmpty()) {
                continue;
            }
            PartitionState s = current.get().state();
            if (s.leader() == preferred || !live.contains(preferred) || !s.isr().contains(preferred)) {
                continue;
            }
            PartitionState next = new PartitionState(preferred, s.leaderEpoch() + 1, s.isr(), epoch);
            if (store.writePartitionState(tp.topic(), tp.partition(), next, current.get().zkVersion(), epochZkVersion,
                    CONTROLLER_EPOCH) >= 0) {
                log.info("Partition {}: preferred leader {} elected at epoch {}", tp, preferred, next.leaderEpoch());
            } else if (fenced()) {
                active = false;
                return;
            }
        }
    }

    /** Gives up the controller role (controlled shutdown), so another broker takes over at once. */
    public void resign() {
        resigned = true;
        if (active) {
            active = false;
            try {
                zk.delete().forPath(CONTROLLER);
            } catch (Exception e) {
                log.info("Broker {}: could not delete the controller node on resigning; its session end removes it",
                        brokerId, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        active = false;
        zk.getConnectionStateListenable().removeListener(connectionListener);
        controllerWatch.close();
        brokerWatch.close();
        topicWatch.close();
        electionWatch.close();
        reassignmentWatch.close();
        deletionWatch.close();
        executor.shutdownNow();
    }
}
