package io.sluice.broker.replication;

import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.replica.PartitionView;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.replica.ReplicaView;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Which replica a consumer should read a partition from (KIP-392), as the leader decides it with the
 * configured {@code replica.selector.class}. Only live followers in the ISR that already hold the
 * consumer's fetch offset are offered to the selector, beside the leader itself; a follower out of
 * the ISR may lag without bound, and one that lacks the offset would answer OFFSET_OUT_OF_RANGE and
 * send the consumer straight back.
 */
final class PreferredReadReplicas implements AutoCloseable {
    private final ReplicaSelector selector;
    private final IntFunction<Optional<Node>> liveNodes;

    private PreferredReadReplicas(ReplicaSelector selector, IntFunction<Optional<Node>> liveNodes) {
        this.selector = selector;
        this.liveNodes = liveNodes;
    }

    /** The selector named by {@code replica.selector.class}, configured with the broker's settings; none when unset. */
    static PreferredReadReplicas from(BrokerConfig config, IntFunction<Optional<Node>> liveNodes) {
        Class<?> type = config.getClass(BrokerConfig.REPLICA_SELECTOR_CLASS);
        if (type == null) {
            return new PreferredReadReplicas(null, liveNodes);
        }
        ReplicaSelector selector = Utils.newInstance(type, ReplicaSelector.class);
        selector.configure(config.originals());
        return new PreferredReadReplicas(selector, liveNodes);
    }

    boolean enabled() {
        return selector != null;
    }

    /** A follower's position as the leader last saw it. */
    private record Candidate(int brokerId, long logEndOffset, long lastCaughtUpMs) {
    }

    /**
     * The follower {@code client} should read {@code p} from, when this broker leads it and the
     * selector prefers a follower to itself; empty means "read here".
     */
    OptionalInt select(Partition p, int leaderId, ClientMetadata client, long fetchOffset) {
        if (selector == null) {
            return OptionalInt.empty();
        }
        long leaderLogEnd;
        List<Candidate> candidates = new ArrayList<>();
        synchronized (p) {
            if (!p.isLeader(leaderId)) {
                return OptionalInt.empty();
            }
            leaderLogEnd = p.log.logEndOffset();
            for (int r : p.isr) {
                Partition.Follower f = p.followers.get(r);
                boolean holdsOffset = f != null && f.logStartOffset >= 0 && f.logStartOffset <= fetchOffset
                        && f.logEndOffset >= fetchOffset;
                if (r != leaderId && holdsOffset) {
                    candidates.add(new Candidate(r, f.logEndOffset, f.lastCaughtUpMs));
                }
            }
        }
        Optional<Node> leaderNode = liveNodes.apply(leaderId);
        if (candidates.isEmpty() || leaderNode.isEmpty()) {
            return OptionalInt.empty();
        }
        long now = System.currentTimeMillis();
        ReplicaView leader = new ReplicaView.DefaultReplicaView(leaderNode.get(), leaderLogEnd, 0);
        Set<ReplicaView> views = new HashSet<>();
        views.add(leader);
        for (Candidate c : candidates) {
            // A broker that went away is no longer in the live set, whatever the ISR still says.
            liveNodes.apply(c.brokerId()).ifPresent(node -> views.add(new ReplicaView.DefaultReplicaView(node,
                    c.logEndOffset(), Math.max(0, now - c.lastCaughtUpMs()))));
        }
        Optional<ReplicaView> chosen = selector.select(p.tp, client,
                new PartitionView.DefaultPartitionView(views, leader));
        return chosen.filter(v -> !v.endpoint().isEmpty() && v.endpoint().id() != leaderId)
                .map(v -> OptionalInt.of(v.endpoint().id()))
                .orElse(OptionalInt.empty());
    }

    @Override
    public void close() {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                throw new KafkaException("Cannot close " + selector.getClass().getName(), e);
            }
        }
    }
}
