package io.sluice.runtime.group;

import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.GroupRebalanceConfig;
import org.apache.kafka.clients.Metadata;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.internals.AbstractCoordinator;
import org.apache.kafka.clients.consumer.internals.ConsumerNetworkClient;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.internals.ClusterResourceListeners;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Timer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.utils.internals.ExponentialBackoff;
import org.apache.kafka.common.utils.internals.LogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Membership of a Kafka classic-protocol group with a protocol type of our own (not {@code consumer}), the way
 * Kafka Connect's workers and Confluent's registry take part in a group: JoinGroup with this member's metadata,
 * the group leader computes every member's assignment from all members' metadata ({@link Assignor}), SyncGroup
 * hands each its bytes, heartbeats keep it in, and a rebalance first revokes ({@link Listener#onRevoked}).
 *
 * <p>Built on kafka-clients' {@link AbstractCoordinator} (the engine of the consumer and of Connect's
 * WorkerCoordinator), so it speaks to any Kafka-compatible broker. One thread of its own drives it; the
 * callbacks run on that thread and must not block for long.
 *
 * <p>The member outlives ordinary failures: an exception out of a turn (a coordinator error, a callback that
 * threw) revokes, backs off ({@code retry.backoff.ms} growing to {@code retry.backoff.max.ms}) and rejoins, as a
 * consumer's caller would call poll again. Only an {@link Error} stops it, and it says so through
 * {@link Listener#onFailed}, so that the service can fail rather than run on without a group.
 */
public final class GroupMembership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);
    private static final long POLL_MS = 200;

    /** A member as the group leader sees it at assignment time. */
    public record Member(String memberId, ByteBuffer metadata) {
    }

    /** What this member was given in a generation; {@code groupLeader}: it computed the assignment. */
    public record Assignment(int generation, String memberId, boolean groupLeader, ByteBuffer data) {
    }

    /** Runs on the group leader: each member's assignment from all members' metadata. */
    @FunctionalInterface
    public interface Assignor {
        Map<String, ByteBuffer> assign(List<Member> members);
    }

    /** Told of every completed join, and before every rejoin. */
    public interface Listener {
        void onAssigned(Assignment assignment);

        void onRevoked(int generation);

        /** The member stopped for good on a fatal error; it will not rejoin. */
        default void onFailed(Throwable cause) {
        }
    }

    private final GroupSettings settings;
    private final Supplier<ByteBuffer> metadata;
    private final Assignor assignor;
    private final Listener listener;
    private final Time time = Time.SYSTEM;
    private final Metrics metrics;
    private final ConsumerNetworkClient client;
    private final Coordinator coordinator;
    private final Thread thread;
    private final ExponentialBackoff retryBackoff;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    /** When the member's loop last ran a turn; a long gap means this process was suspended (or starved). */
    private volatile long lastTurnNanos = System.nanoTime();
    /** Set when such a gap was seen: until the next join completes, this member may have been replaced. */
    private volatile boolean suspect;
    private volatile boolean joining;

    /**
     * @param clientProps kafka-clients settings (bootstrap servers, security); consumer names
     * @param metadata    this member's metadata, asked again at every join
     */
    public GroupMembership(Map<String, Object> clientProps, String clientId, GroupSettings settings,
                           Supplier<ByteBuffer> metadata, Assignor assignor, Listener listener) {
        this.settings = settings;
        this.metadata = metadata;
        this.assignor = assignor;
        this.listener = listener;
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        ConsumerConfig config = new ConsumerConfig(props);
        LogContext logContext = new LogContext("[" + clientId + " group=" + settings.groupId() + "] ");
        this.metrics = new Metrics(time);
        try {
            long backoff = config.getLong(CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG);
            long backoffMax = config.getLong(CommonClientConfigs.RETRY_BACKOFF_MAX_MS_CONFIG);
            this.retryBackoff = new ExponentialBackoff(backoff, CommonClientConfigs.RETRY_BACKOFF_EXP_BASE,
                    Math.max(backoff, backoffMax), CommonClientConfigs.RETRY_BACKOFF_JITTER);
            Metadata clusterMetadata = new Metadata(backoff, backoffMax,
                    config.getLong(CommonClientConfigs.METADATA_MAX_AGE_CONFIG), logContext, new ClusterResourceListeners());
            List<String> bootstrap = config.getList(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            ClientUtils.maybeBootstrapMetadataSynchronously(config, bootstrap, clusterMetadata);
            NetworkClient network = ClientUtils.createNetworkClient(config, bootstrap, metrics, "sluice-group", logContext,
                    new ApiVersions(), time, 100, clusterMetadata, null, null);
            int requestTimeout = config.getInt(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG);
            this.client = new ConsumerNetworkClient(logContext, network, clusterMetadata, time, backoff, requestTimeout,
                    Integer.MAX_VALUE);
            GroupRebalanceConfig rebalance = new GroupRebalanceConfig(settings.sessionTimeoutMs(),
                    settings.rebalanceTimeoutMs(), settings.heartbeatIntervalMs(), settings.groupId(), Optional.empty(),
                    null, backoff, backoffMax);
            this.coordinator = new Coordinator(rebalance, logContext, client, metrics, time);
        } catch (RuntimeException e) {
            Utils.closeQuietly(metrics, "metrics");
            throw e;
        }
        this.thread = new Thread(this::run, clientId + "-membership");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Asks for a rebalance of the whole group (e.g. the work to assign changed); returns at once. */
    public void requestRejoin(String reason) {
        coordinator.requestRejoin(reason);
    }

    /**
     * Whether this member still holds its place in the group's current generation as far as it can tell: it knows
     * the coordinator, has a generation, and its loop has not stalled longer than the session timeout (after a
     * SIGSTOP, a long GC or a network cut the coordinator may already have given its work to others). Whoever acts
     * for the group (commits, produces) checks this first, so that a zombie stops before it learns it was replaced.
     */
    public boolean inGoodStanding() {
        if (suspect) {
            return false;
        }
        if (!joining && System.nanoTime() - lastTurnNanos > TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMs())) {
            return false;
        }
        return coordinator.hasGeneration();
    }

    private void checkStall() {
        long now = System.nanoTime();
        long gapMs = TimeUnit.NANOSECONDS.toMillis(now - lastTurnNanos);
        if (gapMs > settings.sessionTimeoutMs()) {
            suspect = true;
            log.warn("Group member of {} stalled for {} ms (over session.timeout.ms); treating its generation as lost "
                    + "and rejoining", settings.groupId(), gapMs);
            coordinator.requestRejoin("member stalled for " + gapMs + " ms");
        }
        lastTurnNanos = now;
    }

    private void run() {
        int failures = 0;
        while (running) {
            try {
                checkStall();
                coordinator.pollOnce();
                failures = 0;
            } catch (WakeupException e) {
                // close() woke the client; the loop condition decides
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                long backoffMs = retryBackoff.backoff(failures++);
                log.warn("Group membership of {} failed ({} in a row); rejoining in {} ms", settings.groupId(), failures,
                        backoffMs, e);
                revoke();
                coordinator.requestRejoin("recovering from " + e);
                pause(backoffMs);
            } catch (Throwable t) {
                log.error("Group membership of {} stopped for good", settings.groupId(), t);
                revoke();
                try {
                    listener.onFailed(t);
                } catch (Throwable ignored) {
                    // the error itself is what matters
                }
                return;
            }
        }
    }

    /** Between a failure and the next join no assignment holds: the listener must not act on the old one. */
    private void revoke() {
        try {
            listener.onRevoked(-1);
        } catch (RuntimeException e) {
            log.warn("Revocation callback of group {} failed", settings.groupId(), e);
        }
    }

    private void pause(long ms) {
        try {
            closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Leaves the group (so that the others rebalance at once) and releases the connections. */
    @Override
    public void close() {
        running = false;
        closing.countDown();
        client.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        coordinator.leave();
        Utils.closeQuietly(metrics, "metrics");
        Utils.closeQuietly(client, "network client");
    }

    private final class Coordinator extends AbstractCoordinator {
        private boolean leaderOfThisJoin;

        Coordinator(GroupRebalanceConfig rebalance, LogContext logContext, ConsumerNetworkClient client,
                    Metrics metrics, Time time) {
            super(rebalance, logContext, client, metrics, "sluice-group", time);
        }

        @Override
        protected String protocolType() {
            return settings.protocolType();
        }

        @Override
        protected JoinGroupRequestProtocolCollection metadata() {
            leaderOfThisJoin = false;
            ByteBuffer data = metadata.get();
            JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestProtocol().setName(settings.protocolName()).setMetadata(Utils.toArray(data)));
            return protocols;
        }

        @Override
        protected boolean onJoinPrepare(Timer timer, int generation, String memberId) {
            listener.onRevoked(generation);
            return true;
        }

        @Override
        protected Map<String, ByteBuffer> onLeaderElected(String leaderId, String protocol,
                                                          List<JoinGroupResponseMember> allMembers,
                                                          boolean skipAssignment) {
            leaderOfThisJoin = true;
            List<Member> members = new ArrayList<>();
            for (JoinGroupResponseMember m : allMembers) {
                members.add(new Member(m.memberId(), ByteBuffer.wrap(m.metadata())));
            }
            return assignor.assign(members);
        }

        @Override
        protected void onJoinComplete(int generation, String memberId, String protocol, ByteBuffer assignment) {
            suspect = false;
            lastTurnNanos = System.nanoTime();
            listener.onAssigned(new Assignment(generation, memberId, leaderOfThisJoin, assignment));
            lastTurnNanos = System.nanoTime();
        }

        boolean hasGeneration() {
            return !coordinatorUnknown() && generation().generationId >= 0;
        }

        /** One turn of the member's loop: find the coordinator, (re)join when needed, heartbeat. */
        void pollOnce() {
            if (coordinatorUnknown() && !ensureCoordinatorReady(super.time.timer(POLL_MS))) {
                return;
            }
            if (rejoinNeededOrPending()) {
                // Blocks until joined (or woken up by close); the heartbeat thread starts with the first join.
                joining = true;
                try {
                    ensureActiveGroup();
                } finally {
                    joining = false;
                    lastTurnNanos = System.nanoTime();
                }
            }
            long now = super.time.milliseconds();
            pollHeartbeat(now);
            super.client.poll(super.time.timer(Math.min(POLL_MS, timeToNextHeartbeat(now))));
        }

        void leave() {
            try {
                close(super.time.timer(5_000), CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
            } catch (RuntimeException e) {
                log.warn("Leaving group {} failed: {}", settings.groupId(), e.toString());
            }
        }
    }
}
