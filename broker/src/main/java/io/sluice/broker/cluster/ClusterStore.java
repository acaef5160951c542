package io.sluice.broker.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Cluster metadata in ZooKeeper, the source of truth: cluster id, live brokers (ephemeral nodes) and
 * topics. Layout under the chroot given in {@code zookeeper.connect}:
 * <pre>
 * /sluice/cluster_id                 cluster id (string)
 * /sluice/brokers/ids/&lt;id&gt;          {"host":..,"port":..,"rack":..}  (ephemeral)
 * /sluice/topics/&lt;name&gt;             {"id":..,"replicas":[[..],..],"configs":{..}}
 * /sluice/topics/&lt;name&gt;/partitions/&lt;p&gt;/state   leadership, see {@link PartitionState}
 * /sluice/admin/delete_topics/&lt;name&gt;  id of a topic being deleted; children: ids of replicas done
 * </pre>
 * Nothing under a topic's node is ever written with parents created on the way: a write that belongs
 * to a topic fails once the topic is gone, so a deletion cannot be undone by a late writer.
 */
public final class ClusterStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterStore.class);
    private static final String ROOT = "/sluice";
    private static final String CLUSTER_ID = ROOT + "/cluster_id";
    private static final String BROKERS = ROOT + "/brokers/ids";
    private static final String TOPICS = ROOT + "/topics";
    public static final String DELETE_TOPICS = ROOT + "/admin/delete_topics";

    private final ObjectMapper json = new ObjectMapper();
    private final CuratorFramework zk;

    public record BrokerRegistration(int id, String host, int port, String rack) {
    }

    private record StoredTopic(String id, List<List<Integer>> replicas, Map<String, String> configs) {
    }

    public ClusterStore(String connectString, int sessionTimeoutMs) {
        this(connectString, sessionTimeoutMs, 15_000);
    }

    /** As Kafka's {@code zookeeper.session.timeout.ms} and {@code zookeeper.connection.timeout.ms}. */
    public ClusterStore(String connectString, int sessionTimeoutMs, int connectionTimeoutMs) {
        this.zk = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(connectionTimeoutMs)
                .retryPolicy(new ExponentialBackoffRetry(200, 10))
                .build();
    }

    public void start() throws InterruptedException {
        zk.start();
        if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Could not connect to ZooKeeper at " + zk.getZookeeperClient().getCurrentConnectionString());
        }
        try {
            for (String path : List.of(BROKERS, TOPICS, DELETE_TOPICS)) {
                if (zk.checkExists().forPath(path) == null) {
                    try {
                        zk.create().creatingParentsIfNeeded().forPath(path);
                    } catch (KeeperException.NodeExistsException e) {
                        // another broker created it first
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot initialise ZooKeeper layout", e);
        }
    }

    /** The cluster id, created on the first start of the first broker. */
    public String clusterId(String configured) {
        try {
            if (zk.checkExists().forPath(CLUSTER_ID) == null) {
                String id = configured != null ? configured : Uuid.randomUuid().toString();
                try {
                    zk.create().forPath(CLUSTER_ID, id.getBytes(StandardCharsets.UTF_8));
                } catch (KeeperException.NodeExistsException e) {
                    // raced with another broker
                }
            }
            String stored = new String(zk.getData().forPath(CLUSTER_ID), StandardCharsets.UTF_8);
            if (configured != null && !configured.equals(stored)) {
                throw new IllegalStateException("cluster.id " + configured + " does not match the cluster id "
                        + stored + " stored in ZooKeeper");
            }
            return stored;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the cluster id from ZooKeeper", e);
        }
    }

    /**
     * Registers this broker (an ephemeral node) and keeps it registered: when the ZooKeeper session
     * expires and a new one is established, the node is created again.
     */
    public void registerBroker(BrokerRegistration registration, boolean ownsZooKeeper) {
        createRegistration(registration, ownsZooKeeper);
        registered = registration;
        if (reregister == null) {
            reregister = (client, state) -> {
                BrokerRegistration current = registered;
                if (state == org.apache.curator.framework.state.ConnectionState.RECONNECTED && current != null) {
                    try {
                        if (zk.checkExists().forPath(BROKERS + "/" + current.id()) == null) {
                            zk.create().withMode(CreateMode.EPHEMERAL).forPath(BROKERS + "/" + current.id(),
                                    json.writeValueAsBytes(current));
                            log.info("Registered broker {} again after its ZooKeeper session was re-established",
                                    current.id());
                        }
                    } catch (KeeperException.NodeExistsException e) {
                        // registered meanwhile
                    } catch (Exception e) {
                        log.error("Cannot re-register broker {} in ZooKeeper", current.id(), e);
                    }
                }
            };
            zk.getConnectionStateListenable().addListener(reregister);
        }
    }

    private volatile BrokerRegistration registered;
    private org.apache.curator.framework.state.ConnectionStateListener reregister;

    private void createRegistration(BrokerRegistration registration, boolean ownsZooKeeper) {
        String path = BROKERS + "/" + registration.id();
        try {
            byte[] data = json.writeValueAsBytes(registration);
            try {
                zk.create().withMode(CreateMode.EPHEMERAL).forPath(path, data);
            } catch (KeeperException.NodeExistsException e) {
                if (ownsZooKeeper) {
                    // Only this broker uses its embedded ZooKeeper: the node is left over from our own
                    // previous run (killed before its session expired) and can go at once.
                    zk.delete().forPath(path);
                    zk.create().withMode(CreateMode.EPHEMERAL).forPath(path, data);
                    log.info("Registered broker {} at {}:{} (replaced the registration of a previous run)",
                            registration.id(), registration.host(), registration.port());
                    return;
                }
                // Our own node from a session that has not expired yet (fast restart): wait it out.
                long deadline = System.currentTimeMillis() + 30_000;
                while (zk.checkExists().forPath(path) != null) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("broker.id " + registration.id() + " is already registered by a live broker");
                    }
                    Thread.sleep(200);
                }
                zk.create().withMode(CreateMode.EPHEMERAL).forPath(path, data);
            }
            log.info("Registered broker {} at {}:{}", registration.id(), registration.host(), registration.port());
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register broker " + registration.id() + " in ZooKeeper", e);
        }
    }

    public List<BrokerRegistration> liveBrokers() {
        try {
            List<BrokerRegistration> out = new ArrayList<>();
            for (String child : zk.getChildren().forPath(BROKERS)) {
                try {
                    out.add(json.readValue(zk.getData().forPath(BROKERS + "/" + child), BrokerRegistration.class));
                } catch (KeeperException.NoNodeException e) {
                    // went away meanwhile
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list brokers in ZooKeeper", e);
        }
    }

    /**
     * Every readable topic. A node that cannot be parsed (garbage, or the empty node a late write left
     * behind a deletion) is reported once ({@link #reportOnce}) and skipped: one bad node must never
     * hide the others.
     */
    public Map<String, TopicInfo> loadTopics() {
        return loadTopics(e -> { });
    }

    /** As {@link #loadTopics()}, handing every unreadable node to {@code unreadable} as well. */
    public Map<String, TopicInfo> loadTopics(java.util.function.Consumer<UnreadableNodeException> unreadable) {
        List<String> names;
        try {
            names = zk.getChildren().forPath(TOPICS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list topics in ZooKeeper", e);
        }
        Map<String, TopicInfo> topics = new LinkedHashMap<>();
        for (String name : names) {
            try {
                readTopic(name).ifPresent(t -> topics.put(name, t));
            } catch (UnreadableNodeException e) {
                reportOnce(e.path(), e.getMessage() + "; skipping it", e.getCause());
                unreadable.accept(e);
            }
        }
        return topics;
    }

    /**
     * The topic stored under {@code name}; empty if there is none.
     *
     * @throws UnreadableNodeException if the node exists but does not hold a topic
     */
    public Optional<TopicInfo> readTopic(String name) {
        return readTopicVersioned(name).map(VersionedTopic::topic);
    }

    /** A topic together with the version of its node, for conditional updates. */
    public record VersionedTopic(TopicInfo topic, int zkVersion) {
    }

    public Optional<VersionedTopic> readTopicVersioned(String name) {
        String path = topicPath(name);
        byte[] data;
        org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
        try {
            data = zk.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read topic " + name + " from ZooKeeper", e);
        }
        if (data == null || data.length == 0) {
            throw new UnreadableNodeException(path, "Topic node " + path + " is empty (left behind by a deletion?)", null, true);
        }
        try {
            StoredTopic stored = json.readValue(data, new TypeReference<>() { });
            if (stored.id() == null || stored.replicas() == null) {
                throw new IOException("no topic id or replica assignment");
            }
            TopicInfo topic = new TopicInfo(name, Uuid.fromString(stored.id()), stored.replicas(),
                    stored.configs() == null ? Map.of() : stored.configs());
            return Optional.of(new VersionedTopic(topic, stat.getVersion()));
        } catch (IOException | RuntimeException e) {
            throw new UnreadableNodeException(path, "Topic node " + path + " does not hold a topic: " + e.getMessage(), e, false);
        }
    }

    /**
     * Logs a problem with a ZooKeeper node once per process and path (reconciliation meets it again
     * every round; repeating it would bury everything else in the log). Returns true the first time.
     */
    public boolean reportOnce(String path, String message, Throwable cause) {
        if (!reported.add(path)) {
            return false;
        }
        if (cause != null) {
            log.warn("{} ({})", message, cause.toString());
        } else {
            log.warn(message);
        }
        return true;
    }

    private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static String topicPath(String name) {
        return TOPICS + "/" + name;
    }

    /**
     * Creates the topic node and its partition nodes in one transaction; false if a topic of that name
     * exists already (or is still being deleted).
     */
    public boolean createTopic(TopicInfo topic) {
        String path = topicPath(topic.name());
        try {
            if (zk.checkExists().forPath(DELETE_TOPICS + "/" + topic.name()) != null) {
                return false;
            }
            List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
            ops.add(zk.transactionOp().create().forPath(path, encode(topic)));
            ops.add(zk.transactionOp().create().forPath(path + "/partitions"));
            for (int p = 0; p < topic.partitionCount(); p++) {
                ops.add(zk.transactionOp().create().forPath(path + "/partitions/" + p));
            }
            zk.transaction().forOperations(ops);
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + topic.name() + " in ZooKeeper", e);
        }
    }

    /**
     * Replaces a topic's node if it still holds the same topic (same id) at {@code expectedVersion}:
     * a late update can neither resurrect a deleted topic nor overwrite a re-created one. New partitions'
     * nodes are created in the same transaction.
     *
     * @throws UnknownTopicOrPartitionException when the topic is gone or was replaced
     * @throws ConcurrentTopicUpdateException when someone else updated it meanwhile
     */
    public void updateTopic(TopicInfo topic, int expectedVersion) {
        String path = topicPath(topic.name());
        try {
            List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
            ops.add(zk.transactionOp().setData().withVersion(expectedVersion).forPath(path, encode(topic)));
            if (zk.checkExists().forPath(path + "/partitions") == null) {
                ops.add(zk.transactionOp().create().forPath(path + "/partitions"));
            }
            for (int p = 0; p < topic.partitionCount(); p++) {
                if (zk.checkExists().forPath(path + "/partitions/" + p) == null) {
                    ops.add(zk.transactionOp().create().forPath(path + "/partitions/" + p));
                }
            }
            zk.transaction().forOperations(ops);
        } catch (KeeperException.NoNodeException e) {
            throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("Topic '" + topic.name()
                    + "' does not exist.");
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            throw new ConcurrentTopicUpdateException("Topic " + topic.name() + " was changed concurrently; try again");
        } catch (Exception e) {
            throw new IllegalStateException("Cannot update topic " + topic.name() + " in ZooKeeper", e);
        }
    }

    /** A conditional topic update lost a race: re-read the topic, recompute the change and try again. */
    public static final class ConcurrentTopicUpdateException extends IllegalStateException {
        ConcurrentTopicUpdateException(String message) {
            super(message);
        }
    }

    public static String partitionStatePath(String topic, int partition) {
        return TOPICS + "/" + topic + "/partitions/" + partition + "/state";
    }

    /** Parses the path of a partition state node, or null for any other path. */
    public static org.apache.kafka.common.TopicPartition partitionOfStatePath(String path) {
        String[] parts = path.split("/");
        // "", sluice, topics, <topic>, partitions, <p>, state
        if (parts.length == 7 && parts[4].equals("partitions") && parts[6].equals("state")) {
            try {
                return new org.apache.kafka.common.TopicPartition(parts[3], Integer.parseInt(parts[5]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** The topic name of a topic node path ({@code /sluice/topics/<name>}), or null. */
    public static String topicOfPath(String path) {
        String[] parts = path.split("/");
        return parts.length == 4 && parts[2].equals("topics") ? parts[3] : null;
    }

    public PartitionState decodeState(byte[] data) throws IOException {
        return json.readValue(data, PartitionState.class);
    }

    public Optional<PartitionState.Versioned> readPartitionState(String topic, int partition) {
        try {
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            byte[] data = zk.getData().storingStatIn(stat).forPath(partitionStatePath(topic, partition));
            try {
                return Optional.of(new PartitionState.Versioned(decodeState(data), stat.getVersion()));
            } catch (IOException | RuntimeException e) {
                String path = partitionStatePath(topic, partition);
                throw new UnreadableNodeException(path, "Partition state " + path + " cannot be parsed", e, false);
            }
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (UnreadableNodeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the state of " + topic + "-" + partition, e);
        }
    }

    /**
     * Writes a partition state if nobody changed it since {@code expectedVersion} was read (-1: only if
     * it does not exist yet, and only while its topic exists). With {@code controllerEpochVersion} >= 0
     * the write is also conditional on the controller epoch node still having that version, which
     * fences a deposed controller.
     *
     * @return the new node version, or -1 when a condition failed (nothing written)
     */
    public int writePartitionState(String topic, int partition, PartitionState state, int expectedVersion,
                                   int controllerEpochVersion, String controllerEpochPath) {
        Map<Integer, Integer> versions = writePartitionStates(topic,
                Map.of(partition, new StateWrite(state, expectedVersion)), controllerEpochVersion, controllerEpochPath);
        return versions == null ? -1 : versions.get(partition);
    }

    /** A partition state to write, conditional on the version it was read at (-1: must not exist yet). */
    public record StateWrite(PartitionState state, int expectedVersion) {
    }

    /**
     * Writes several partition states of one topic in one transaction (one ZooKeeper round trip and
     * disk sync for a new topic's partitions), each under the conditions of
     * {@link #writePartitionState}; all or nothing.
     *
     * @return the new node version of each partition, or null when a condition failed (nothing written)
     */
    public Map<Integer, Integer> writePartitionStates(String topic, Map<Integer, StateWrite> writes,
                                                      int controllerEpochVersion, String controllerEpochPath) {
        try {
            List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
            if (controllerEpochVersion >= 0) {
                ops.add(zk.transactionOp().check().withVersion(controllerEpochVersion).forPath(controllerEpochPath));
            }
            String topicPath = topicPath(topic);
            boolean creates = writes.values().stream().anyMatch(w -> w.expectedVersion() < 0);
            if (creates) {
                // Created only while the topic exists: the check and any missing parent (topics from
                // before partition nodes were created with the topic) are in the same transaction.
                ops.add(zk.transactionOp().check().forPath(topicPath));
                if (zk.checkExists().forPath(topicPath + "/partitions") == null) {
                    ops.add(zk.transactionOp().create().forPath(topicPath + "/partitions"));
                }
            }
            List<Integer> order = new ArrayList<>(writes.keySet());
            for (int partition : order) {
                StateWrite w = writes.get(partition);
                String path = partitionStatePath(topic, partition);
                byte[] data = json.writeValueAsBytes(w.state());
                if (w.expectedVersion() < 0) {
                    String partitionPath = path.substring(0, path.lastIndexOf('/'));
                    if (zk.checkExists().forPath(partitionPath) == null) {
                        ops.add(zk.transactionOp().create().forPath(partitionPath));
                    }
                    ops.add(zk.transactionOp().create().forPath(path, data));
                } else {
                    ops.add(zk.transactionOp().setData().withVersion(w.expectedVersion()).forPath(path, data));
                }
            }
            List<org.apache.curator.framework.api.transaction.CuratorTransactionResult> results =
                    zk.transaction().forOperations(ops);
            Map<Integer, Integer> versions = new java.util.HashMap<>();
            for (int partition : order) {
                String path = partitionStatePath(topic, partition);
                org.apache.zookeeper.data.Stat stat = results.stream().filter(r -> path.equals(r.getForPath()))
                        .map(org.apache.curator.framework.api.transaction.CuratorTransactionResult::getResultStat)
                        .filter(java.util.Objects::nonNull).findFirst().orElse(null);
                versions.put(partition, stat == null ? 0 : stat.getVersion());
            }
            return versions;
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException
                 | KeeperException.NoNodeException e) {
            return null;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write the state of " + topic + " partitions " + writes.keySet(), e);
        }
    }

    /** Removes this broker's registration (controlled shutdown: the controller then moves its leaderships). */
    public void deregisterBroker(int brokerId) {
        registered = null;
        try {
            zk.delete().forPath(BROKERS + "/" + brokerId);
        } catch (KeeperException.NoNodeException e) {
            // already gone
        } catch (Exception e) {
            throw new IllegalStateException("Cannot deregister broker " + brokerId, e);
        }
    }

    private byte[] encode(TopicInfo topic) throws IOException {
        return json.writeValueAsBytes(new StoredTopic(topic.id().toString(), topic.replicas(), topic.configs()));
    }

    public CuratorFramework curator() {
        return zk;
    }

    @Override
    public void close() {
        zk.close();
    }
}
