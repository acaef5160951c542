package io.sluice.broker.replication;

import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.LogManager;
import io.sluice.broker.log.MirrorTopicConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a {@link MirrorFollower} for every mirror partition this broker leads, and takes promoted ones
 * over. Reconciles every {@value #RECONCILE_MS} ms rather than reacting to each leadership or config
 * event: both kinds arrive from several threads and out of order, and the current state is what counts.
 *
 * <p>A mirror partition's log carries its source's leader epochs, not this cluster's; this cluster's
 * leader epoch is kept at least as high ({@link #raiseEpoch}), so that clients, which refuse metadata
 * older than the epochs they saw in records or committed offsets, accept this cluster's. On promotion
 * (the mirror configs removed) the epoch is raised once more, above every epoch in the log, and the
 * new leadership starts its own epoch in the log; producers are taken from then on.
 */
final class MirrorFollowers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MirrorFollowers.class);
    private static final long RECONCILE_MS = 200;
    private static final long RAISE_RETRY_MS = 1_000;

    private final int brokerId;
    private final ClusterStore store;
    private final LogManager logs;
    private final int maxWaitMs;
    private final int maxBytes;
    private final Supplier<Collection<Partition>> partitions;
    private final Map<TopicPartition, MirrorFollower> followers = new ConcurrentHashMap<>();
    /** The epoch last asked for per partition and when, so that a pending raise is not written again and again. */
    private final Map<TopicPartition, long[]> raises = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-mirror-followers");
        t.setDaemon(true);
        return t;
    });

    MirrorFollowers(int brokerId, BrokerConfig config, ClusterStore store, LogManager logs,
                    Supplier<Collection<Partition>> partitions) {
        this.brokerId = brokerId;
        this.store = store;
        this.logs = logs;
        this.maxWaitMs = Math.min(500, config.getInt(BrokerConfig.REPLICA_FETCH_WAIT_MAX_MS));
        this.maxBytes = Math.max(config.getInt(BrokerConfig.REPLICA_FETCH_MAX_BYTES), 1024 * 1024);
        this.partitions = partitions;
    }

    void start() {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reconcile();
            } catch (RuntimeException e) {
                log.warn("Broker {}: mirror reconciliation failed", brokerId, e);
            }
        }, RECONCILE_MS, RECONCILE_MS, TimeUnit.MILLISECONDS);
    }

    void reconcile() {
        Set<TopicPartition> seen = new HashSet<>();
        for (Partition p : partitions.get()) {
            seen.add(p.tp);
            boolean leads = p.isLocalLeader();
            Optional<MirrorTopicConfig.Source> source = p.mirrorSource();
            MirrorFollower f = followers.get(p.tp);
            if (f != null && (!leads || source.isEmpty() || !source.get().equals(f.source()) || f.partition() != p
                    || f.state() == MirrorFollower.State.STOPPED)) {
                f.shutdown();
                followers.remove(p.tp, f);
                f = null;
            }
            if (f == null && leads && source.isPresent()) {
                MirrorFollower started = new MirrorFollower(p, source.get(), this, logs, brokerId, maxWaitMs, maxBytes);
                followers.put(p.tp, started);
                started.start();
                log.info("Broker {}: mirror {} follows {}", brokerId, p.tp, source.get());
            }
            if (leads && source.isEmpty() && !p.leaderEpochInLog) {
                // Promoted: lead at an epoch above every epoch the source put in the log.
                raiseEpoch(p, Math.max(p.leaderEpoch, p.log.latestEpoch()) + 1);
            }
        }
        for (Map.Entry<TopicPartition, MirrorFollower> e : followers.entrySet()) {
            if (!seen.contains(e.getKey())) {
                e.getValue().shutdown();
                followers.remove(e.getKey(), e.getValue());
            }
        }
        raises.keySet().retainAll(seen);
    }

    /**
     * Raises the partition's leader epoch in ZooKeeper to {@code epoch} while this broker leads it, with the
     * same conditional write as an ISR change (a controller decision in between wins). The role change
     * reaches this broker through the usual watch.
     */
    void raiseEpoch(Partition p, int epoch) {
        PartitionState next;
        int expectedVersion;
        synchronized (p) {
            if (!p.isLocalLeader() || p.leaderEpoch >= epoch) {
                return;
            }
            long now = System.currentTimeMillis();
            long[] last = raises.get(p.tp);
            if (last != null && last[0] == epoch && now - last[1] < RAISE_RETRY_MS) {
                return;
            }
            raises.put(p.tp, new long[]{epoch, now});
            next = new PartitionState(brokerId, epoch, p.isr, p.controllerEpoch);
            expectedVersion = p.zkVersion;
        }
        int version = store.writePartitionState(p.tp.topic(), p.tp.partition(), next, expectedVersion, -1, null);
        if (version < 0) {
            log.info("Broker {}: raising the leader epoch of {} to {} lost to a concurrent update", brokerId, p.tp,
                    epoch);
        } else {
            log.info("Broker {}: leader epoch of mirror partition {} raised to {}", brokerId, p.tp, epoch);
        }
    }

    /** Each followed partition's state, with the last error when there is one (status and tests). */
    Map<TopicPartition, String> states() {
        Map<TopicPartition, String> out = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        followers.forEach((tp, f) -> out.put(tp, f.lastError().isEmpty() ? f.state().name()
                : f.state().name() + ": " + f.lastError()));
        return out;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        for (MirrorFollower f : followers.values()) {
            f.shutdown();
        }
        followers.clear();
    }
}
