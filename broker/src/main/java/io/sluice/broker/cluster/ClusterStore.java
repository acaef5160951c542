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
        this.zk = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(15_000)
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

    public void registerBroker(BrokerRegistration registration, boolean ownsZooKeeper) {
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
