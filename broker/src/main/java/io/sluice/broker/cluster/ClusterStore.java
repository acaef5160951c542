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
import java.io.UncheckedIOException;
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
 * </pre>
 */
public final class ClusterStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterStore.class);
    private static final String ROOT = "/sluice";
    private static final String CLUSTER_ID = ROOT + "/cluster_id";
    private static final String BROKERS = ROOT + "/brokers/ids";
    private static final String TOPICS = ROOT + "/topics";

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
            for (String path : List.of(BROKERS, TOPICS)) {
                if (zk.checkExists().forPath(path) == null) {
                    zk.create().creatingParentsIfNeeded().forPath(path);
                }
            }
        } catch (KeeperException.NodeExistsException e) {
            // another broker created it first
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

    public Map<String, TopicInfo> loadTopics() {
        try {
            Map<String, TopicInfo> topics = new LinkedHashMap<>();
            for (String name : zk.getChildren().forPath(TOPICS)) {
                readTopic(name).ifPresent(t -> topics.put(name, t));
            }
            return topics;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load topics from ZooKeeper", e);
        }
    }

    public Optional<TopicInfo> readTopic(String name) {
        try {
            byte[] data = zk.getData().forPath(TOPICS + "/" + name);
            StoredTopic stored = json.readValue(data, new TypeReference<>() { });
            return Optional.of(new TopicInfo(name, Uuid.fromString(stored.id()), stored.replicas(),
                    stored.configs() == null ? Map.of() : stored.configs()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read topic " + name + " from ZooKeeper", e);
        }
    }

    /** Creates the topic node; false if a topic of that name exists already. */
    public boolean createTopic(TopicInfo topic) {
        try {
            zk.create().forPath(TOPICS + "/" + topic.name(), encode(topic));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + topic.name() + " in ZooKeeper", e);
        }
    }

    public void updateTopic(TopicInfo topic) {
        try {
            zk.setData().forPath(TOPICS + "/" + topic.name(), encode(topic));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot update topic " + topic.name() + " in ZooKeeper", e);
        }
    }

    public void deleteTopic(String name) {
        try {
            zk.delete().guaranteed().deletingChildrenIfNeeded().forPath(TOPICS + "/" + name);
        } catch (KeeperException.NoNodeException e) {
            // already gone
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete topic " + name + " from ZooKeeper", e);
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
            return Optional.of(new PartitionState.Versioned(decodeState(data), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the state of " + topic + "-" + partition, e);
        }
    }

    /**
     * Writes a partition state if nobody changed it since {@code expectedVersion} was read (-1: only if
     * it does not exist yet). With {@code controllerEpochVersion} >= 0 the write is also conditional on
     * the controller epoch node still having that version, which fences a deposed controller.
     *
     * @return the new node version, or -1 when a condition failed (nothing written)
     */
    public int writePartitionState(String topic, int partition, PartitionState state, int expectedVersion,
                                   int controllerEpochVersion, String controllerEpochPath) {
        String path = partitionStatePath(topic, partition);
        try {
            byte[] data = json.writeValueAsBytes(state);
            if (expectedVersion < 0) {
                String parent = path.substring(0, path.lastIndexOf('/'));
                if (zk.checkExists().forPath(parent) == null) {
                    try {
                        zk.create().creatingParentsIfNeeded().forPath(parent);
                    } catch (KeeperException.NodeExistsException e) {
                        // raced with another writer
                    }
                }
            }
            List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
            if (controllerEpochVersion >= 0) {
                ops.add(zk.transactionOp().check().withVersion(controllerEpochVersion).forPath(controllerEpochPath));
            }
            ops.add(expectedVersion < 0 ? zk.transactionOp().create().forPath(path, data)
                    : zk.transactionOp().setData().withVersion(expectedVersion).forPath(path, data));
            List<org.apache.curator.framework.api.transaction.CuratorTransactionResult> results =
                    zk.transaction().forOperations(ops);
            org.apache.zookeeper.data.Stat stat = results.get(results.size() - 1).getResultStat();
            return stat == null ? 0 : stat.getVersion();
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException
                 | KeeperException.NoNodeException e) {
            return -1;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write the state of " + topic + "-" + partition, e);
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
