package io.sluice.broker.replication;

import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.AppendResult;
import io.sluice.broker.log.LeaderEpochFileCache;
import io.sluice.broker.log.OffsetCheckpointFile;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.replica.ClientMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * This broker's replicas, and what the rest of the broker asks of them: leadership checks, leader
 * appends, acks=all waits (in a timer wheel) for the high watermark, follower reads, leadership
 * listeners. The work is done by its parts: {@link RoleChanges} follows the partition states in
 * ZooKeeper and makes each local replica a leader or a follower; a {@link Partition} owns its leader
 * state (append, high watermark, ISR); {@link FollowerTracker} records the followers' positions and
 * shrinks/expands the ISR ({@code replica.lag.time.max.ms}); {@link FollowerApply} applies what the
 * {@link ReplicaFetcher}s (one per leader broker) bring back.
 *
 * <p>Followers find where their log diverges from a new leader's without a separate round trip: each
 * Fetch carries the epoch of the follower's last batch, the leader answers a mismatch with a diverging
 * epoch instead of records ({@link LogDivergence}), and the follower truncates and fetches again.
 * OffsetForLeaderEpoch is still answered, for clients and tools. High watermarks are checkpointed to
 * {@code replication-offset-checkpoint} in each log dir and restored when a replica is first seen.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    static final String HW_CHECKPOINT = "replication-offset-checkpoint";

    private final int brokerId;
    private final DelayedOperations delayedFetches;
    private final DelayedOperations delayedAcks;
    private final long lagTimeMaxMs;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<TopicPartition, PartitionState.Versioned> states = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> checkpointedHw = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-replica-manager");
        t.setDaemon(true);
        return t;
    });
    /**
     * ISR expansions and shrinks, which write to ZooKeeper and may block in its retries: on a thread of their own
     * so that they never delay role changes, checkpoints or the resync after a session loss.
     */
    private final ScheduledExecutorService isrChanges = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-isr-changes");
        t.setDaemon(true);
        return t;
    });
    private final Consumer<TopicPartition> onAppend = this::onLocalAppend;
    private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();

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
    private final PreferredReadReplicas preferredReadReplicas;
    private final FollowerApply followerApply;
    private final FollowerTracker followers;
    private final RoleChanges roleChanges;
    private final ConsumerReads consumerReads = new ConsumerReads();
    private final MirrorFollowers mirrors;

    public ReplicaManager(BrokerConfig config, ClusterStore store, TopicRegistry topics, DelayedOperations delayedFetches,
                          Executor requestPool, IntFunction<Optional<Node>> nodes) {
        this.brokerId = config.brokerId();
        this.delayedFetches = delayedFetches;
        this.delayedAcks = new DelayedOperations(requestPool);
        this.lagTimeMaxMs = config.getLong(BrokerConfig.REPLICA_LAG_TIME_MAX_MS);
        this.preferredReadReplicas = PreferredReadReplicas.from(config, nodes);
        this.followerApply = new FollowerApply(brokerId, partitions::get, delayedFetches, topics.logManager());
        this.followers = new FollowerTracker(brokerId, store, lagTimeMaxMs, partitions::get, partitions::values,
                task -> isrChanges.execute(guarded(task)), this::maybeIncrementHighWatermark, delayedAcks::wake);
        for (Path dir : config.logDirs()) {
            try {
                checkpointedHw.putAll(new OffsetCheckpointFile(dir.resolve(HW_CHECKPOINT)).read());
            } catch (IOException e) {
                log.warn("Ignoring unreadable {} in {}: {}", HW_CHECKPOINT, dir, e.getMessage());
            }
        }
        this.mirrors = new MirrorFollowers(brokerId, config, store, topics.logManager(), partitions::values);
        this.roleChanges = new RoleChanges(brokerId, config, store, topics, nodes, partitions, states, checkpointedHw,
                followerApply, onAppend, this::notifyLeadership, this::maybeIncrementHighWatermark, delayedAcks,
                delayedFetches, task -> scheduler.execute(guarded(task)), scheduler);
    }

    /** Starts following the partition states in ZooKeeper and the periodic ISR and checkpoint tasks. */
    public void start() {
        roleChanges.start();
        mirrors.start();
        long check = Math.max(10, Math.min(lagTimeMaxMs / 2, 5_000));
        isrChanges.scheduleWithFixedDelay(guarded(followers::maybeShrinkIsr), check, check, TimeUnit.MILLISECONDS);
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

    // ------------------------------------------------------------------------------------ leader side

    /** The partition's current leadership, as last seen in ZooKeeper (every partition, local or not). */
    public Optional<PartitionState> state(TopicPartition tp) {
        return Optional.ofNullable(states.get(tp)).map(PartitionState.Versioned::state);
    }

    /** The leader epoch if this broker leads the partition. */
    /** Stops every local replica of a topic being deleted (its logs are removed next, by the caller). */
    public void stopTopic(String topic) {
        roleChanges.stopTopic(topic);
    }

    public Optional<Integer> leaderEpoch(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null) {
            return Optional.empty();
        }
        int epoch = p.leaderEpochIfLeading();
        return epoch >= 0 ? Optional.of(epoch) : Optional.empty();
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
        return p.checkLeader(currentLeaderEpoch);
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
        return p.readAccess(currentLeaderEpoch, followerAllowed);
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
        return p.appendAsLeader(records, acks);
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
        return p.ackStatus(requiredOffset);
    }

    /**
     * Records a follower's Fetch: its log end offset is the fetch offset. May move the high watermark
     * and, when the follower has caught up, schedules its return to the ISR.
     */
    public Errors recordFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, int currentLeaderEpoch) {
        return followers.recordFollowerFetch(tp, replicaId, fetchOffset, currentLeaderEpoch);
    }

    /**
     * A follower's Fetch of {@code tp}: when it reports the epoch of its last batch
     * ({@code lastFetchedEpoch} >= 0) and its log does not match ours there, the answer is the
     * diverging epoch and nothing is recorded, since its fetch offset is not an offset of our log.
     * Otherwise its position is recorded as {@link #recordFollowerFetch} does.
     */
    public FollowerFetch onFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, long logStartOffset,
                                         int currentLeaderEpoch, int lastFetchedEpoch) {
        return followers.onFollowerFetch(tp, replicaId, fetchOffset, logStartOffset, currentLeaderEpoch,
                lastFetchedEpoch);
    }

    /** How the leader answered one partition of a follower's Fetch before reading it. */
    public record FollowerFetch(Errors error, Optional<LeaderEpochFileCache.EpochEndOffset> divergingEpoch) {
        static FollowerFetch failed(Errors error) {
            return new FollowerFetch(error, Optional.empty());
        }
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
        boolean moved = p.maybeIncrementHighWatermark();
        if (moved) {
            delayedFetches.wake(p.tp);
            delayedAcks.wake(p.tp);
        }
        return moved;
    }

    // ------------------------------------------------------------------------------------ follower side

    /** How many times this broker truncated a log on a leader's diverging epoch (tests). */
    public long divergenceTruncations() {
        return followerApply.divergenceTruncations();
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

    /**
     * Stops (or resumes) fetching from every leader, as a stalled follower would: for chaos tests of
     * ISR shrinking. Leadership and everything else go on as usual.
     */
    public void pauseFetching(boolean paused) {
        followerApply.pauseFetching(paused);
    }

    /** Stops without the final high-watermark checkpoint, as a crash would. */
    public void halt() {
        halted = true;
    }

    /**
     * The mirror partitions this broker leads and how following their sources stands (FOLLOWING,
     * SOURCE_UNAVAILABLE, SOURCE_TRUNCATED, ...), with the last error if any.
     */
    public Map<TopicPartition, String> mirrorStates() {
        return mirrors.states();
    }

    @Override
    public void close() {
        mirrors.close();
        roleChanges.close();
        scheduler.shutdownNow();
        isrChanges.shutdownNow();
        delayedAcks.close();
        preferredReadReplicas.close();
        if (!halted) {
            checkpointHighWatermarks();
        }
    }
}
