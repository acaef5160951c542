package io.sluice.broker.cluster;

import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.kafka.common.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a Metadata response says about the cluster: its id, this broker's node and the live brokers,
 * the latter kept current by watching the ephemeral registrations in ZooKeeper.
 */
public final class ClusterView implements AutoCloseable {
    private final String clusterId;
    private final Node localNode;
    private final Map<Integer, Node> live = new ConcurrentHashMap<>();
    private final CuratorCache brokerWatch;
    private final ClusterStore store;

    public ClusterView(ClusterStore store, String clusterId, Node localNode) {
        this.store = store;
        this.clusterId = clusterId;
        this.localNode = localNode;
        this.brokerWatch = CuratorCache.build(store.curator(), "/sluice/brokers/ids");
        brokerWatch.listenable().addListener((type, oldData, data) -> refresh());
        brokerWatch.start();
        refresh();
    }

    private void refresh() {
        Map<Integer, Node> fresh = new ConcurrentHashMap<>();
        for (ClusterStore.BrokerRegistration b : store.liveBrokers()) {
            fresh.put(b.id(), new Node(b.id(), b.host(), b.port(), b.rack()));
        }
        live.keySet().retainAll(fresh.keySet());
        live.putAll(fresh);
    }

    public String clusterId() {
        return clusterId;
    }

    public Node localNode() {
        return localNode;
    }

    /** Live brokers, this one always included, sorted by id. */
    public List<Node> liveNodes() {
        Map<Integer, Node> nodes = new java.util.HashMap<>(live);
        nodes.put(localNode.id(), localNode);
        List<Node> out = new ArrayList<>(nodes.values());
        out.sort(Comparator.comparingInt(Node::id));
        return out;
    }

    public int controllerId() {
        return liveNodes().get(0).id();
    }

    @Override
    public void close() {
        brokerWatch.close();
    }
}
