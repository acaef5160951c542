package io.sluice.runtime.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One leader among the instances of a service that share a group (registry instances; later Connect workers),
 * on {@link GroupMembership}. Each member's metadata is {@code {"url", "eligible", "leader"}}: its advertised REST
 * URL, whether it may lead, whether it leads now. The group leader keeps the current leader if it is still a
 * member, else picks the eligible member with the smallest URL, and tells every member the leader's URL
 * ({@code {"url", "member"}}; url null when no member is eligible).
 *
 * <p>Between a revocation and the next assignment no leader is known: a write arriving then waits in
 * {@link #awaitLeader} rather than going to an instance that may no longer lead.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Told on every change: (leader URL or null, whether this instance is the leader). */
    @FunctionalInterface
    public interface Listener {
        void onLeaderChange(String leaderUrl, boolean isLeader);
    }

    private final String url;
    private final boolean eligible;
    private final Listener listener;
    private final GroupMembership membership;
    private volatile Consumer<Throwable> onFailure = cause -> { };
    private String leaderUrl;
    private boolean leader;
    private boolean wasLeader;
    private boolean assigned;
    private int generation = -1;

    public LeaderElection(Map<String, Object> clientProps, String clientId, GroupSettings settings, String url,
                          boolean eligible, Listener listener) {
        this.url = url;
        this.eligible = eligible;
        this.listener = listener;
        this.membership = new GroupMembership(clientProps, clientId, settings, this::metadata, LeaderElection::assign,
                new GroupMembership.Listener() {
                    @Override
                    public void onAssigned(GroupMembership.Assignment assignment) {
                        assigned(assignment);
                    }

                    @Override
                    public void onRevoked(int generation) {
                        revoked();
                    }

                    @Override
                    public void onFailed(Throwable cause) {
                        onFailure.accept(cause);
                    }
                });
    }

    /**
     * Told (on the membership thread) when this instance left the election for good on a fatal error; it no
     * longer knows a leader and never will again, so the service should fail. Set before {@link #start}.
     */
    public LeaderElection onFailure(Consumer<Throwable> handler) {
        this.onFailure = Objects.requireNonNull(handler);
        return this;
    }

    public LeaderElection start() {
        membership.start();
        return this;
    }

    public synchronized boolean isLeader() {
        return leader;
    }

    /** The leader's URL, or null while none is known. */
    public synchronized String leaderUrl() {
        return leaderUrl;
    }

    /** The generation of the last assignment, -1 before the first. */
    public synchronized int generation() {
        return generation;
    }

    /**
     * The leader's URL once one is known, waiting at most {@code timeout}; empty if none is known by then (no
     * eligible member, or the group did not settle in time).
     */
    public synchronized Optional<String> awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (leaderUrl == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return Optional.of(leaderUrl);
    }

    /** Whether this member has completed a join at least once (whether or not a leader was found). */
    public synchronized boolean hasJoined() {
        return assigned;
    }

    private synchronized ByteBuffer metadata() {
        ObjectNode node = JSON.createObjectNode();
        node.put("url", url);
        node.put("eligible", eligible);
        node.put("leader", wasLeader);
        return ByteBuffer.wrap(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, ByteBuffer> assign(List<GroupMembership.Member> members) {
        String leader = null;
        String leaderUrl = null;
        boolean leaderSticky = false;
        for (GroupMembership.Member member : members) {
            JsonNode info = read(member.metadata());
            if (!info.path("eligible").asBoolean(false)) {
                continue;
            }
            String memberUrl = info.path("url").asText();
            boolean current = info.path("leader").asBoolean(false);
            boolean better = leader == null
                    || (current && !leaderSticky)
                    || (current == leaderSticky && memberUrl.compareTo(leaderUrl) < 0);
            if (better) {
                leader = member.memberId();
                leaderUrl = memberUrl;
                leaderSticky = current;
            }
        }
        ObjectNode info = JSON.createObjectNode();
        info.put("url", leaderUrl);
        info.put("member", leader);
        byte[] bytes = info.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, ByteBuffer> assignments = new HashMap<>();
        for (GroupMembership.Member member : members) {
            assignments.put(member.memberId(), ByteBuffer.wrap(bytes));
        }
        return assignments;
    }

    private void assigned(GroupMembership.Assignment assignment) {
        JsonNode info = read(assignment.data());
        String newUrl = info.hasNonNull("url") ? info.get("url").asText() : null;
        boolean isLeader = assignment.memberId().equals(info.path("member").asText(null));
        boolean changed;
        synchronized (this) {
            changed = isLeader != leader || !Objects.equals(newUrl, leaderUrl);
            leaderUrl = newUrl;
            leader = isLeader;
            wasLeader = isLeader;
            assigned = true;
            generation = assignment.generation();
            notifyAll();
        }
        if (changed) {
            log.info("Leader in generation {} of the group: {}{}", assignment.generation(), newUrl,
                    isLeader ? " (this instance)" : "");
            listener.onLeaderChange(newUrl, isLeader);
        }
    }

    private void revoked() {
        boolean wasKnown;
        boolean stepDown;
        synchronized (this) {
            wasKnown = leaderUrl != null;
            stepDown = leader;
            leader = false;
            leaderUrl = null;
        }
        if (stepDown) {
            log.info("Instance {} is no longer leader (group rebalancing)", url);
        }
        if (wasKnown) {
            listener.onLeaderChange(null, false);
        }
    }

    private static JsonNode read(ByteBuffer data) {
        if (data == null || !data.hasRemaining()) {
            return JSON.createObjectNode();
        }
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    @Override
    public void close() {
        membership.close();
        revoked();
    }
}
