package io.sluice.broker.replication;

import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.cluster.UnreadableNodeException;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.AppendResult;
import io.sluice.broker.log.LeaderEpochFileCache;
import io.sluice.broker.log.OffsetCheckpointFile;
import io.sluice.broker.log.PartitionLog;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.replica.ClientMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * This broker's replicas: follows the partition states in ZooKeeper and makes each local replica a
 * leader or a follower; as leader tracks followers (from their Fetch requests), moves the high
 * watermark to the ISR's smallest log end offset and shrinks/expands the ISR
 * ({@code replica.lag.time.max.ms}), writing it back with a conditional update (a conflicting write by
 * the controller wins); as follower fetches from the leader through one {@link ReplicaFetcher} per
 * leader broker. acks=all produce responses wait here, in a timer wheel, for the high watermark.
 *
 * <p>Followers find where their log diverges from a new leader's without a separate round trip: each
 * Fetch carries the epoch of the follower's last batch, the leader answers a mismatch with a diverging
 * epoch instead of records ({@link LogDivergence}), and the follower truncates and fetches again.
 * OffsetForLeaderEpoch is still answered, for clients and tools. High watermarks are checkpointed to
 * {@code replication-offset-checkpoint} in each log dir and restored when a replica is first seen.
 * When the ZooKeeper session is lost the broker stops leading at once and re-reads every state on the
 * next session.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    static final String HW_CHECKPOINT = "replication-offset-checkpoint";

    private final int brokerId;
    private final BrokerConfig config;
    private final ClusterStore store;
    private final TopicRegistry topics;
    private final DelayedOperations delayedFetches;
    private final DelayedOperations delayedAcks;
    private final IntFunction<Optional<Node>> nodes;
    private final long lagTimeMaxMs;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<TopicPartition, PartitionState.Versioned> states = new ConcurrentHashMap<>();
    private final Map<Integer, ReplicaFetcher> fetchers = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> checkpointedHw = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-replica-manager");
        t.setDaemon(true);
        return t;
    });
    private final Consumer<TopicPartition> onAppend = this::onLocalAppend;
    private final ConnectionStateListener connectionListener = (client, state) -> {
        if (state == ConnectionState.LOST) {
            scheduler.execute(guarded(this::fenceLeaders));
        } else if (state == ConnectionState.RECONNECTED) {
            scheduler.execute(guarded(this::resync));
        }
    };
    private CuratorCache watch;
    private final java.util.List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Hears when this broker starts or stops leading a partition, or leads it at a new epoch
     * (coordinators loading). Calls come from several threads and may arrive out of order: treat them
     * as hints and read the current leadership ({@link #leaderEpoch}) when acting on them.
     */
    public interface LeadershipListener {
        void onLeadershipChange(TopicPartition tp, boolean leader);
    }

    /** Adds a listener and tells it at once about every partition this broker leads now. */
    public void addLeadershipListener(LeadershipListener listener) {
        leadershipListeners.add(listener);
        for (Partition p : partitions.values()) {
            boolean leads;
            synchronized (p) {
                leads = p.isLeader(brokerId);
            }
            if (leads) {
                listener.onLeadershipChange(p.tp, true);
            }
        }
    }

    private void notifyLeadership(TopicPartition tp, boolean leader) {
        for (LeadershipListener l : leadershipListeners) {
            try {
                l.onLeadershipChange(tp, leader);
            } catch (RuntimeException e) {
                log.warn("Leadership listener failed for {}", tp, e);
            }
        }
    }
    private volatile boolean halted;
    private volatile boolean closed;
    private final LongAdder divergenceTruncations = new LongAdder();
    private final PreferredReadReplicas preferredReadReplicas;
    private final ConsumerReads consumerReads = new ConsumerReads();

    public ReplicaManager(BrokerConfig config, ClusterStore store, TopicRegistry topics, DelayedOperations delayedFetches,
                          Executor requestPool, IntFunction<Optional<Node>> nodes) {
        this.brokerId = config.brokerId();
        this.config = config;
        this.store = store;
        this.topics = topics;
        this.delayedFetches = delayedFetches;
        this.delayedAcks = new DelayedOperations(requestPool);
        this.nodes = nodes;
        this.lagTimeMaxMs = config.getLong(BrokerConfig.REPLICA_LAG_TIME_MAX_MS);
        this.preferredReadReplicas = PreferredReadReplicas.from(config, nodes);
        for (Path dir : config.logDirs()) {
            try {
                checkpointedHw.putAll(new OffsetCheckpointFile(dir.resolve(HW_CHECKPOINT)).read());
            } catch (IOException e) {
                log.warn("Ignoring unreadable {} in {}: {}", HW_CHECKPOINT, dir, e.getMessage());
            }
        }
    }

    /** Starts following the partition states in ZooKeeper and the periodic ISR and checkpoint tasks. */
    public void start() {
        watch = CuratorCache.build(store.curator(), "/sluice/topics");
        watch.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> onNode(node, false))
                .forDeletes(node -> onNode(node, true))
                .build());
        watch.start();
        store.curator().getConnectionStateListenable().addListener(connectionListener);
        long check = Math.max(10, Math.min(lagTimeMaxMs / 2, 5_000));
        scheduler.scheduleWithFixedDelay(guarded(this::maybeShrinkIsr), check, check, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded(this::checkpointHighWatermarks), 1000, 1000, TimeUnit.MILLISECONDS);
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("Replica manager task failed", e);
            }
        };
    }

    // ------------------------------------------------------------------------------------ state changes

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
                topics.refreshFromStore(topic);
                if (deleted && topics.get(topic).isEmpty()) { // not re-created meanwhile
                    dropTopic(topic);
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

    /** Stops every local replica of a topic being deleted (its logs are removed next, by the caller). */
    public void stopTopic(String topic) {
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            if (tp.topic().equals(topic)) {
                dropPartition(tp);
            }
        }
        states.keySet().removeIf(tp -> tp.topic().equals(topic));
    }

    private void dropPartition(TopicPartition tp) {
        Partition p = partitions.remove(tp);
        removeFromFetchers(tp);
        if (p != null) {
            boolean wasLeader;
            synchronized (p) {
                wasLeader = p.isLeader(brokerId);
                p.leader = -1;
                p.log.removeAppendListener(onAppend);
            }
            if (wasLeader) {
                notifyLeadership(tp, false);
            }
            delayedAcks.wake(tp);
            log.info("Broker {}: no longer a replica of {}", brokerId, tp);
        }
    }

    private void dropTopic(String topic) {
        states.keySet().removeIf(tp -> tp.topic().equals(topic));
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            if (tp.topic().equals(topic)) {
                Partition p = partitions.remove(tp);
                removeFromFetchers(tp);
                if (p != null) {
                    p.log.removeAppendListener(onAppend);
                }
            }
        }
    }

    private void applyState(TopicPartition tp, PartitionState.Versioned versioned) {
        Optional<TopicInfo> topic = topics.get(tp.topic());
        if (topic.isEmpty()) {
            topics.refreshFromStore(tp.topic());
            topic = topics.get(tp.topic());
        }
        if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()
                || !topic.get().replicas().get(tp.partition()).contains(brokerId)) {
            return;
        }
        List<Integer> replicas = topic.get().replicas().get(tp.partition());
        Optional<PartitionLog> partitionLog = topics.log(tp);
        if (partitionLog.isEmpty()) {
            // The state can arrive before the topic change that assigned the partition here.
            topics.refreshFromStore(tp.topic());
            partitionLog = topics.log(tp);
            if (partitionLog.isEmpty()) {
                return;
            }
        }
        Optional<PartitionLog> opened = partitionLog;
        Partition p = partitions.computeIfAbsent(tp, k -> {
            Partition created = new Partition(k, opened.get(), replicas);
            Long hw = checkpointedHw.get(k);
            // Without a checkpoint nothing is known to be committed: a follower must not serve its log end
            // to consumers before its leader says so, and a leader's ISR moves it up soon enough.
            created.log.updateHighWatermark(hw != null ? hw : created.log.logStartOffset());
            return created;
        });
        PartitionState s = versioned.state();
        boolean wake = false;
        boolean wasLeader;
        boolean isLeader;
        boolean newLeaderEpoch;
        synchronized (p) {
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
        // A new epoch while leading still is news: someone else may have led (and written) in between.
        if (wasLeader != isLeader || (isLeader && newLeaderEpoch)) {
            notifyLeadership(tp, isLeader);
        }
        if (wake) {
            maybeIncrementHighWatermark(p);
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
            boolean fenced = false;
            synchronized (p) {
                if (p.isLeader(brokerId)) {
                    p.leader = -1;
                    p.log.removeAppendListener(onAppend);
                    fenced = true;
                }
            }
            if (fenced) {
                log.warn("Broker {}: ZooKeeper session lost; no longer leading {}", brokerId, p.tp);
                notifyLeadership(p.tp, false);
                delayedAcks.wake(p.tp);
                delayedFetches.wake(p.tp);
            }
        }
    }

    /** After a new ZooKeeper session: read every local partition's state again and act on it. */
    private void resync() {
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            store.readPartitionState(tp.topic(), tp.partition()).ifPresent(state -> {
                states.put(tp, state);
                applyState(tp, state);
            });
        }
    }

    private void becomeLeader(Partition p, PartitionState s) {
        removeFromFetchers(p.tp);
        p.leader = brokerId;
        p.leaderEpoch = s.leaderEpoch();
        p.leaderEpochStartOffset = p.log.logEndOffset();
        p.followers.clear();
        p.log.assignEpochAtLogEnd(p.leaderEpoch);
        long now = System.currentTimeMillis();
        for (int r : p.replicas) {
            if (r != brokerId) {
                Partition.Follower f = new Partition.Follower();
                f.lastCaughtUpMs = now;
                p.followers.put(r, f);
            }
        }
        // From here on the high watermark only moves as the ISR's log end offsets do.
        p.log.updateHighWatermark(p.log.highWatermark());
        p.log.addAppendListener(onAppend);
        log.info("Broker {}: leader of {} at epoch {} (isr {}, log end {}, high watermark {})", brokerId, p.tp,
                p.leaderEpoch, p.isr, p.log.logEndOffset(), p.log.highWatermark());
    }

    private void becomeFollower(Partition p, PartitionState s) {
        p.log.removeAppendListener(onAppend);
        removeFromFetchers(p.tp);
        p.leader = s.leader();
        p.leaderEpoch = s.leaderEpoch();
        p.followers.clear();
        if (s.leader() >= 0) {
            // The fetcher's first Fetch tells the leader our last epoch; a diverging log is truncated then.
            fetchers.computeIfAbsent(s.leader(), id -> {
                ReplicaFetcher fetcher = new ReplicaFetcher(id, this, config, nodes);
                fetcher.start();
                return fetcher;
            }).add(p.tp, p.leaderEpoch);
        }
        log.info("Broker {}: follower of {} at epoch {} (leader {}, log end {})", brokerId, p.tp, p.leaderEpoch,
                s.leader(), p.log.logEndOffset());
    }

    private void removeFromFetchers(TopicPartition tp) {
        for (ReplicaFetcher fetcher : fetchers.values()) {
            fetcher.remove(tp);
        }
    }

    // ------------------------------------------------------------------------------------ leader side

    /** The partition's current leadership, as last seen in ZooKeeper (every partition, local or not). */
    public Optional<PartitionState> state(TopicPartition tp) {
        return Optional.ofNullable(states.get(tp)).map(PartitionState.Versioned::state);
    }

    /** The leader epoch if this broker leads the partition. */
    public Optional<Integer> leaderEpoch(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return Optional.empty();
        }
        synchronized (p) {
            return p.isLeader(brokerId) ? Optional.of(p.leaderEpoch) : Optional.empty();
        }
    }

    /**
     * Whether a client may read or write {@code tp} here: NONE when this broker leads it and the
     * client's {@code currentLeaderEpoch} (-1: unknown) is not older (FENCED_LEADER_EPOCH) or newer
     * (UNKNOWN_LEADER_EPOCH) than the leader's.
     */
    public Errors checkLeader(TopicPartition tp, int currentLeaderEpoch) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            }
            if (currentLeaderEpoch >= 0 && currentLeaderEpoch < p.leaderEpoch) {
                return Errors.FENCED_LEADER_EPOCH;
            }
            if (currentLeaderEpoch > p.leaderEpoch) {
                return Errors.UNKNOWN_LEADER_EPOCH;
            }
            return Errors.NONE;
        }
    }

    /** Whether a consumer may read a partition here, and whether as a follower (KIP-392). */
    public record ReadAccess(Errors error, boolean asFollower) {
    }

    /**
     * Whether a consumer may read {@code tp} here: always from its leader, from a follower only when
     * {@code followerAllowed} (Fetch v11+, which carries the client's rack). The client's
     * {@code currentLeaderEpoch} (-1: unknown) must match the leader epoch this replica knows, as in
     * {@link #checkLeader}.
     */
    public ReadAccess consumerReadAccess(TopicPartition tp, int currentLeaderEpoch, boolean followerAllowed) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return new ReadAccess(Errors.NOT_LEADER_OR_FOLLOWER, false);
        }
        synchronized (p) {
            boolean leads = p.isLeader(brokerId);
            boolean follows = !leads && p.leader >= 0;
            if (!leads && !(follows && followerAllowed)) {
                return new ReadAccess(Errors.NOT_LEADER_OR_FOLLOWER, false);
            }
            if (currentLeaderEpoch >= 0 && currentLeaderEpoch < p.leaderEpoch) {
                return new ReadAccess(Errors.FENCED_LEADER_EPOCH, follows);
            }
            if (currentLeaderEpoch > p.leaderEpoch) {
                return new ReadAccess(Errors.UNKNOWN_LEADER_EPOCH, follows);
            }
            return new ReadAccess(Errors.NONE, follows);
        }
    }

    /** Whether {@code replica.selector.class} is set, so that consumers may be sent to followers. */
    public boolean selectsReadReplicas() {
        return preferredReadReplicas.enabled();
    }

    /**
     * As leader of {@code tp}: the follower the configured replica selector prefers for {@code client}
     * reading from {@code fetchOffset}; empty when it should read here.
     */
    public OptionalInt preferredReadReplica(TopicPartition tp, ClientMetadata client, long fetchOffset) {
        Partition p = partitions.get(tp);
        return p == null ? OptionalInt.empty() : preferredReadReplicas.select(p, brokerId, client, fetchOffset);
    }

    /** Consumer fetches this broker served, as leader and as follower. */
    public ConsumerReads consumerReads() {
        return consumerReads;
    }

    /**
     * Appends a producer's batches as leader, stamping the leader epoch.
     *
     * @throws NotLeaderOrFollowerException when this broker does not lead the partition
     * @throws NotEnoughReplicasException   for acks=all while the ISR is smaller than min.insync.replicas
     */
    public AppendResult appendAsLeader(TopicPartition tp, MemoryRecords records, short acks) {
        Partition p = partitions.get(tp);
        if (p == null) {
            throw new NotLeaderOrFollowerException("Broker " + brokerId + " does not host " + tp);
        }
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                throw new NotLeaderOrFollowerException("Broker " + brokerId + " is not the leader of " + tp);
            }
            int minIsr = p.log.config().minInSyncReplicas();
            if (acks == -1 && p.isr.size() < minIsr) {
                throw new NotEnoughReplicasException("The ISR of " + tp + " is " + p.isr
                        + ", fewer than min.insync.replicas " + minIsr);
            }
            return p.log.append(records, p.leaderEpoch);
        }
    }

    /**
     * The {@link ReplicatedAppender} coordinators write through: acks=all appends as leader, waiting up
     * to {@code timeoutMs} for the in-sync replicas.
     */
    public ReplicatedAppender replicatedAppender(long timeoutMs) {
        return (tp, records) -> {
            AppendResult result = appendAsLeader(tp, records, (short) -1);
            CompletableFuture<Errors> replicated = awaitReplication(Map.of(tp, result.lastOffset() + 1), timeoutMs)
                    .thenApply(outcome -> outcome.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR));
            return new ReplicatedAppender.Appended(result, replicated);
        };
    }

    /**
     * Completes when every partition's high watermark reached its required offset (NONE, or
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR is below min.insync.replicas by then), leadership was
     * lost (NOT_LEADER_OR_FOLLOWER) or {@code timeoutMs} passed (REQUEST_TIMED_OUT).
     */
    public CompletableFuture<Map<TopicPartition, Errors>> awaitReplication(Map<TopicPartition, Long> requiredOffsets,
                                                                          long timeoutMs) {
        CompletableFuture<Map<TopicPartition, Errors>> result = new CompletableFuture<>();
        delayedAcks.park(deadline -> {
            Map<TopicPartition, Errors> out = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> e : requiredOffsets.entrySet()) {
                Errors status = ackStatus(e.getKey(), e.getValue());
                if (status == null) {
                    if (!deadline) {
                        return false;
                    }
                    status = Errors.REQUEST_TIMED_OUT;
                }
                out.put(e.getKey(), status);
            }
            result.complete(out);
            return true;
        }, requiredOffsets.keySet(), timeoutMs);
        return result;
    }

    private Errors ackStatus(TopicPartition tp, long requiredOffset) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            }
            if (p.log.highWatermark() >= requiredOffset) {
                return p.isr.size() < p.log.config().minInSyncReplicas()
                        ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE;
            }
            return null;
        }
    }

    /**
     * Records a follower's Fetch: its log end offset is the fetch offset. May move the high watermark
     * and, when the follower has caught up, schedules its return to the ISR.
     */
    public Errors recordFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, int currentLeaderEpoch) {
        Errors error = checkLeader(tp, currentLeaderEpoch);
        if (error != Errors.NONE) {
            return error;
        }
        Partition p = partitions.get(tp);
        boolean expand;
        synchronized (p) {
            if (!p.replicas.contains(replicaId)) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            }
            Partition.Follower f = p.followers.computeIfAbsent(replicaId, k -> new Partition.Follower());
            long now = System.currentTimeMillis();
            long leo = p.log.logEndOffset();
            if (fetchOffset >= leo) {
                f.lastCaughtUpMs = now;
            } else if (fetchOffset >= f.lastFetchLeaderLogEndOffset) {
                f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
            }
            f.lastFetchLeaderLogEndOffset = leo;
            f.lastFetchMs = now;
            f.logEndOffset = fetchOffset;
            expand = !p.isr.contains(replicaId) && fetchOffset >= p.log.highWatermark()
                    && fetchOffset >= p.leaderEpochStartOffset;
        }
        if (expand) {
            scheduler.execute(guarded(() -> changeIsr(p, isr -> {
                List<Integer> out = new ArrayList<>();
                for (int r : p.replicas) {
                    if (isr.contains(r) || r == replicaId) {
                        out.add(r);
                    }
                }
                return out;
            })));
        }
        maybeIncrementHighWatermark(p);
        return Errors.NONE;
    }

    /** How the leader answered one partition of a follower's Fetch before reading it. */
    public record FollowerFetch(Errors error, Optional<LeaderEpochFileCache.EpochEndOffset> divergingEpoch) {
        static FollowerFetch failed(Errors error) {
            return new FollowerFetch(error, Optional.empty());
        }
    }

    /**
     * A follower's Fetch of {@code tp}: when it reports the epoch of its last batch
     * ({@code lastFetchedEpoch} >= 0) and its log does not match ours there, the answer is the
     * diverging epoch and nothing is recorded, since its fetch offset is not an offset of our log.
     * Otherwise its position is recorded as {@link #recordFollowerFetch} does.
     */
    public FollowerFetch onFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, long logStartOffset,
                                         int currentLeaderEpoch, int lastFetchedEpoch) {
        Errors error = checkLeader(tp, currentLeaderEpoch);
        if (error != Errors.NONE) {
            return FollowerFetch.failed(error);
        }
        Partition p = partitions.get(tp);
        if (p == null) {
            return FollowerFetch.failed(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        if (lastFetchedEpoch >= 0) {
            synchronized (p) {
                if (!p.replicas.contains(replicaId)) {
                    return FollowerFetch.failed(Errors.NOT_LEADER_OR_FOLLOWER);
                }
                try {
                    Optional<LeaderEpochFileCache.EpochEndOffset> diverging =
                            LogDivergence.check(p.log, lastFetchedEpoch, fetchOffset);
                    if (diverging.isPresent()) {
                        return new FollowerFetch(Errors.NONE, diverging);
                    }
                } catch (OffsetOutOfRangeException e) {
                    return FollowerFetch.failed(Errors.OFFSET_OUT_OF_RANGE);
                }
            }
        }
        error = recordFollowerFetch(tp, replicaId, fetchOffset, currentLeaderEpoch);
        if (error == Errors.NONE) {
            synchronized (p) {
                Partition.Follower f = p.followers.get(replicaId);
                if (f != null) {
                    f.logStartOffset = logStartOffset;
                }
            }
        }
        return FollowerFetch.failed(error);
    }

    /**
     * Every append to a partition this broker leads (produce, markers, coordinator records): parked
     * fetches are retried — followers read up to the log end, so they need it even when the high
     * watermark does not move — once, together with the high watermark's own wake-up when it moves.
     */
    private void onLocalAppend(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null || !maybeIncrementHighWatermark(p)) {
            delayedFetches.wake(tp);
        }
    }

    /** Moves the high watermark to what the ISR holds; true (and parked requests woken) if it moved. */
    private boolean maybeIncrementHighWatermark(Partition p) {
        boolean moved = false;
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                return false;
            }
            long min = p.log.logEndOffset();
            for (int r : p.isr) {
                if (r != brokerId) {
                    Partition.Follower f = p.followers.get(r);
                    min = Math.min(min, f == null ? -1 : f.logEndOffset);
                }
            }
            if (min > p.log.highWatermark()) {
                p.log.updateHighWatermark(min);
                moved = true;
            }
        }
        if (moved) {
            delayedFetches.wake(p.tp);
            delayedAcks.wake(p.tp);
        }
        return moved;
    }

    private void maybeShrinkIsr() {
        long now = System.currentTimeMillis();
        for (Partition p : partitions.values()) {
            List<Integer> lagging = new ArrayList<>();
            synchronized (p) {
                if (!p.isLeader(brokerId)) {
                    continue;
                }
                for (int r : p.isr) {
                    Partition.Follower f = p.followers.get(r);
                    if (r != brokerId && (f == null || now - f.lastCaughtUpMs > lagTimeMaxMs)) {
                        lagging.add(r);
                    }
                }
            }
            if (!lagging.isEmpty()) {
                log.info("Broker {}: followers {} of {} lag more than {} ms; shrinking the ISR", brokerId, lagging,
                        p.tp, lagTimeMaxMs);
                changeIsr(p, isr -> isr.stream().filter(r -> !lagging.contains(r)).toList());
            }
        }
    }

    /** Writes a new ISR (as leader) conditionally on the state version this broker last saw. */
    private void changeIsr(Partition p, Function<List<Integer>, List<Integer>> change) {
        PartitionState next;
        int expectedVersion;
        synchronized (p) {
            if (!p.isLeader(brokerId)) {
                return;
            }
            List<Integer> newIsr = change.apply(p.isr);
            if (newIsr.equals(p.isr) || newIsr.isEmpty()) {
                return;
            }
            next = new PartitionState(brokerId, p.leaderEpoch, newIsr, p.controllerEpoch);
            expectedVersion = p.zkVersion;
        }
        int version = store.writePartitionState(p.tp.topic(), p.tp.partition(), next, expectedVersion, -1, null);
        synchronized (p) {
            if (version < 0) {
                log.info("Broker {}: ISR change of {} to {} lost to a concurrent update", brokerId, p.tp, next.isr());
                return;
            }
            if (p.zkVersion == expectedVersion && p.leaderEpoch == next.leaderEpoch()) {
                p.isr = next.isr();
                p.zkVersion = version;
            }
            log.info("Broker {}: ISR of {} is now {}", brokerId, p.tp, next.isr());
        }
        maybeIncrementHighWatermark(p);
        delayedAcks.wake(p.tp);
    }

    // ------------------------------------------------------------------------------------ follower side

    Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    int brokerId() {
        return brokerId;
    }

    /**
     * Truncates a follower's log after its leader answered a Fetch with a diverging epoch, unless
     * leadership or the log moved since the fetch was sent. The next Fetch reports the epoch of the
     * new last batch, so a log that diverged over several epochs is cut back one round at a time.
     */
    void onDiverged(int leaderId, int leaderEpoch, TopicPartition tp, long fetchOffset,
                    LeaderEpochFileCache.EpochEndOffset diverging) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return;
        }
        synchronized (p) {
            if (p.leader != leaderId || p.leaderEpoch != leaderEpoch || p.log.logEndOffset() != fetchOffset) {
                return;
            }
            long target = LogDivergence.truncationOffset(p.log, diverging);
            log.info("Broker {}: {} diverges from leader {} at offset {} "
                            + "(our last epoch {}, leader epoch {} ends at {})", brokerId, tp, leaderId, target,
                    p.log.lastBatchEpoch(), diverging.epoch(), diverging.endOffset());
            p.log.truncateTo(target);
            divergenceTruncations.increment();
        }
    }

    /** How many times this broker truncated a log on a leader's diverging epoch (tests). */
    public long divergenceTruncations() {
        return divergenceTruncations.sum();
    }

    /** Applies a fetched partition on the follower, unless leadership moved since the fetch was sent. */
    void onFetched(int leaderId, int leaderEpoch, TopicPartition tp, long fetchOffset,
                   MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset, Errors error) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return;
        }
        boolean hwMoved = false;
        synchronized (p) {
            if (p.leader != leaderId || p.leaderEpoch != leaderEpoch || p.log.logEndOffset() != fetchOffset) {
                return;
            }
            if (error == Errors.OFFSET_OUT_OF_RANGE && leaderLogStartOffset > fetchOffset) {
                // Retention or DeleteRecords removed, at the leader, everything up to where we would
                // continue: nothing we hold can be completed, so start over at the leader's log start.
                log.warn("Broker {}: log of {} ends at {}, below leader {}'s log start offset {}; starting over there",
                        brokerId, tp, fetchOffset, leaderId, leaderLogStartOffset);
                p.log.truncateFullyAndStartAt(leaderLogStartOffset);
                return;
            }
            if (error == Errors.OFFSET_OUT_OF_RANGE) {
                // The leader's log ends below ours, or it has no epoch as old as our last one: what we
                // have beyond our high watermark is not committed.
                long hw = p.log.highWatermark();
                log.warn("Broker {}: fetch offset {} of {} is out of range at leader {} (high watermark {})",
                        brokerId, fetchOffset, tp, leaderId, hw);
                if (hw < fetchOffset) {
                    p.log.truncateTo(hw);
                }
                return;
            }
            if (error != Errors.NONE) {
                return;
            }
            if (records != null && records.sizeInBytes() > 0) {
                p.log.appendAsFollower(records);
            }
            if (leaderHighWatermark >= 0) {
                long before = p.log.highWatermark();
                // Clamped to our log end, so never above what the leader sent.
                hwMoved = p.log.updateHighWatermark(leaderHighWatermark) != before;
            }
            if (leaderLogStartOffset > p.log.logStartOffset()) {
                // DeleteRecords and retention at the leader: the same records go here (segments later).
                p.log.deleteRecordsBefore(Math.min(leaderLogStartOffset, p.log.highWatermark()));
            }
        }
        if (hwMoved) {
            // Consumers reading from this follower wait for the high watermark, not for the append.
            delayedFetches.wake(tp);
        }
    }

    // ------------------------------------------------------------------------------------ lifecycle

    /** Partitions this broker leads that have other ISR members to take over (controlled shutdown). */
    public int transferableLeaderships() {
        int count = 0;
        for (Partition p : partitions.values()) {
            synchronized (p) {
                if (p.isLeader(brokerId) && p.isr.stream().anyMatch(r -> r != brokerId)) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Waits (bounded) until the controller has a leader for every local partition. */
    public boolean awaitLeaders(String topic, int partitionCount, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            boolean all = true;
            for (int i = 0; i < partitionCount && all; i++) {
                PartitionState.Versioned s = states.get(new TopicPartition(topic, i));
                all = s != null && s.state().leader() >= 0;
            }
            if (all) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void checkpointHighWatermarks() {
        Map<Path, Map<TopicPartition, Long>> byDir = new HashMap<>();
        for (Partition p : partitions.values()) {
            byDir.computeIfAbsent(p.log.dir().getParent(), d -> new HashMap<>()).put(p.tp, p.log.highWatermark());
        }
        for (Map.Entry<Path, Map<TopicPartition, Long>> e : byDir.entrySet()) {
            try {
                new OffsetCheckpointFile(e.getKey().resolve(HW_CHECKPOINT)).write(e.getValue());
            } catch (IOException ex) {
                log.warn("Cannot write {} in {}", HW_CHECKPOINT, e.getKey(), ex);
            }
        }
    }

    private volatile boolean fetchingPaused;

    /**
     * Stops (or resumes) fetching from every leader, as a stalled follower would: for chaos tests of
     * ISR shrinking. Leadership and everything else go on as usual.
     */
    public void pauseFetching(boolean paused) {
        fetchingPaused = paused;
    }

    boolean fetchingPaused() {
        return fetchingPaused;
    }

    /** Stops without the final high-watermark checkpoint, as a crash would. */
    public void halt() {
        halted = true;
    }

    @Override
    public void close() {
        closed = true;
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        if (watch != null) {
            watch.close();
        }
        scheduler.shutdownNow();
        for (ReplicaFetcher fetcher : fetchers.values()) {
            fetcher.shutdown();
        }
        delayedAcks.close();
        preferredReadReplicas.close();
        if (!halted) {
            checkpointHighWatermarks();
        }
    }
}
