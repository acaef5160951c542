package io.sluice.broker.config;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Dynamic broker and group configs in ZooKeeper, laid out as Kafka's: {@code config/brokers/<id>},
 * {@code config/brokers/<default>} (cluster-wide) and {@code config/groups/<group>}, each
 * {@code {"version":1,"config":{...}}}. Every broker watches the broker nodes and applies its own and the default
 * layer to its {@link BrokerConfig} as they change.
 */
public final class DynamicConfigStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DynamicConfigStore.class);
    private static final String ROOT = "/sluice/config";
    private static final String BROKERS = ROOT + "/brokers";
    private static final String GROUPS = ROOT + "/groups";
    /** Kafka's name for the cluster-wide default entity. */
    public static final String DEFAULT_ENTITY = "<default>";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CuratorFramework zk;
    private final BrokerConfig config;
    private final Runnable afterChange;
    private CuratorCache watch;

    /**
     * @param afterChange run after this broker's dynamic layer changed (e.g. to push new topic defaults to logs)
     */
    public DynamicConfigStore(CuratorFramework zk, BrokerConfig config, Runnable afterChange) {
        this.zk = zk;
        this.config = config;
        this.afterChange = afterChange;
    }

    /** Loads the current dynamic configs and starts watching for changes made through any broker. */
    public void start() {
        reload();
        watch = CuratorCache.build(zk, BROKERS);
        watch.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, before, after) -> reload())
                .build());
        watch.start();
    }

    private synchronized void reload() {
        try {
            Map<String, String> perBroker = read(BROKERS + "/" + config.brokerId());
            Map<String, String> clusterDefault = read(BROKERS + "/" + DEFAULT_ENTITY);
            if (perBroker.equals(config.dynamicPerBroker()) && clusterDefault.equals(config.dynamicClusterDefault())) {
                return;
            }
            config.withDynamic(perBroker, clusterDefault);
            log.info("Dynamic broker configs now: broker {} {}, cluster-wide {}", config.brokerId(), perBroker,
                    clusterDefault);
            afterChange.run();
        } catch (RuntimeException e) {
            log.warn("Cannot apply dynamic broker configs from ZooKeeper; keeping the previous ones", e);
        }
    }

    /** The stored configs of a broker ({@code "1"}) or of the cluster default ({@code ""}). */
    public Map<String, String> brokerConfigs(String entity) {
        return read(BROKERS + "/" + brokerEntity(entity));
    }

    public void setBrokerConfigs(String entity, Map<String, String> configs) {
        write(BROKERS + "/" + brokerEntity(entity), configs);
        reload();
    }

    public Map<String, String> groupConfigs(String group) {
        return read(GROUPS + "/" + group);
    }

    public void setGroupConfigs(String group, Map<String, String> configs) {
        write(GROUPS + "/" + group, configs);
    }

    private static String brokerEntity(String resourceName) {
        return resourceName.isEmpty() ? DEFAULT_ENTITY : resourceName;
    }

    private Map<String, String> read(String path) {
        try {
            byte[] data = zk.getData().forPath(path);
            if (data == null || data.length == 0) {
                return Map.of();
            }
            Stored stored = JSON.readValue(data, new TypeReference<>() { });
            return stored.config() == null ? Map.of() : Map.copyOf(stored.config());
        } catch (KeeperException.NoNodeException e) {
            return Map.of();
        } catch (IOException e) {
            throw new IllegalStateException("Unreadable config node " + path, e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read " + path + " from ZooKeeper", e);
        }
    }

    private void write(String path, Map<String, String> configs) {
        try {
            byte[] data = JSON.writeValueAsBytes(new Stored(1, new TreeMap<>(configs)));
            try {
                zk.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException e) {
                // Config nodes are not owned by a topic: creating their parents is safe here.
                zk.create().orSetData().creatingParentsIfNeeded().forPath(path, data);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write " + path + " to ZooKeeper", e);
        }
    }

    private record Stored(int version, Map<String, String> config) {
        Stored {
            config = config == null ? new HashMap<>() : config;
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
