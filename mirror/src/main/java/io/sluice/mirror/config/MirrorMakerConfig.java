package io.sluice.mirror.config;

import io.sluice.connect.converters.ByteArrayConverter;
import io.sluice.mirror.checkpoint.MirrorCheckpointConnector;
import io.sluice.mirror.heartbeat.MirrorHeartbeatConnector;
import io.sluice.mirror.source.MirrorSourceConnector;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An {@code mm2.properties} file, read as MirrorMaker 2's dedicated mode reads it: {@code clusters = A, B},
 * {@code A.bootstrap.servers} and other {@code A.}-prefixed client settings per cluster ({@code A.consumer.*},
 * {@code B.producer.*}, {@code A.admin.*}), {@code A->B.enabled} and {@code A->B.*} per flow, everything else
 * for every flow. Each flow X->Y (enabled, or with heartbeats on: MM2 emits them for disabled flows too) becomes
 * one worker on cluster Y running MM2's three connectors, each with MM2's connector config.
 */
public final class MirrorMakerConfig {
    public static final String CLUSTERS = "clusters";
    /** Sluice's own: where a flow's worker keeps its files (source positions until the runtime keeps them in Kafka). */
    public static final String STATE_DIR = "sluice.mirror.state.dir";
    public static final String EXACTLY_ONCE = "exactly.once.source.support";
    private static final List<String> WORKER_KEYS = List.of("offset.flush.interval.ms", "offset.flush.timeout.ms",
            "task.shutdown.graceful.timeout.ms", EXACTLY_ONCE);

    /** One direction between two clusters. */
    public record Flow(String source, String target, boolean enabled, boolean heartbeats) {
        @Override
        public String toString() {
            return source + "->" + target;
        }
    }

    private final Map<String, String> props;
    private final List<String> clusters;

    public MirrorMakerConfig(Map<String, String> props) {
        this.props = new LinkedHashMap<>(props);
        String list = props.get(CLUSTERS);
        if (list == null || list.isBlank()) {
            throw new ConfigException(CLUSTERS, list, "name the clusters, e.g. clusters = A, B");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            if (!name.isBlank()) {
                names.add(name.trim());
            }
        }
        clusters = List.copyOf(names);
        for (String cluster : clusters) {
            if (!props.containsKey(cluster + "." + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new ConfigException(cluster + ".bootstrap.servers", null, "cluster " + cluster + " needs its bootstrap servers");
            }
        }
        for (String key : props.keySet()) {
            int arrow = key.indexOf("->");
            if (arrow > 0) {
                String source = key.substring(0, arrow);
                int dot = key.indexOf('.', arrow);
                String target = dot < 0 ? key.substring(arrow + 2) : key.substring(arrow + 2, dot);
                if (!clusters.contains(source) || !clusters.contains(target)) {
                    throw new ConfigException(key, props.get(key), "flow " + source + "->" + target
                            + " names a cluster not in clusters = " + String.join(", ", clusters));
                }
            }
        }
    }

    public List<String> clusters() {
        return clusters;
    }

    /** Every flow to one of {@code targets} (all clusters when empty) that runs anything. */
    public List<Flow> flows(Set<String> targets) {
        for (String target : targets) {
            if (!clusters.contains(target)) {
                throw new ConfigException("--clusters", target, "not one of clusters = " + String.join(", ", clusters));
            }
        }
        List<Flow> flows = new ArrayList<>();
        for (String source : clusters) {
            for (String target : clusters) {
                if (source.equals(target) || (!targets.isEmpty() && !targets.contains(target))) {
                    continue;
                }
                boolean enabled = Boolean.parseBoolean(flowValue(source, target, "enabled", "false"));
                boolean heartbeats = Boolean.parseBoolean(flowValue(source, target,
                        MirrorConnectorConfig.EMIT_HEARTBEATS_ENABLED, "true"));
                if (enabled || heartbeats) {
                    flows.add(new Flow(source, target, enabled, heartbeats));
                }
            }
        }
        return flows;
    }

    private String flowValue(String source, String target, String key, String otherwise) {
        String flowKey = source + "->" + target + "." + key;
        if (props.containsKey(flowKey)) {
            return props.get(flowKey).trim();
        }
        return props.getOrDefault(key, otherwise).trim();
    }

    /** The settings of the worker a flow runs on: the target cluster's clients, byte-for-byte converters. */
    public Map<String, String> workerSettings(Flow flow) {
        Map<String, String> worker = new LinkedHashMap<>();
        String prefix = flow.target() + ".";
        props.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                worker.put(key.substring(prefix.length()), value);
            }
        });
        worker.put("key.converter", ByteArrayConverter.class.getName());
        worker.put("value.converter", ByteArrayConverter.class.getName());
        worker.put("header.converter", ByteArrayConverter.class.getName());
        worker.put("listeners", "http://127.0.0.1:0");
        worker.putIfAbsent(EXACTLY_ONCE, props.getOrDefault(EXACTLY_ONCE, "enabled"));
        for (String key : WORKER_KEYS) {
            if (props.containsKey(key)) {
                worker.putIfAbsent(key, props.get(key));
            }
        }
        worker.putIfAbsent("offset.flush.interval.ms", "5000");
        worker.put("offset.storage.file.filename", stateDir().resolve(flow.source() + "-to-" + flow.target() + ".offsets").toString());
        return worker;
    }

    public Path stateDir() {
        return Path.of(props.getOrDefault(STATE_DIR, "mirror-state"));
    }

    /** The connector configs a flow runs: MM2's base config plus connector class and name. */
    public List<Map<String, String>> connectorConfigs(Flow flow) {
        List<Map<String, String>> connectors = new ArrayList<>();
        if (flow.enabled()) {
            connectors.add(connector(flow, MirrorSourceConnector.class.getName(), "MirrorSourceConnector"));
            connectors.add(connector(flow, MirrorCheckpointConnector.class.getName(), "MirrorCheckpointConnector"));
        }
        connectors.add(connector(flow, MirrorHeartbeatConnector.class.getName(), "MirrorHeartbeatConnector"));
        return connectors;
    }

    /** MM2's connector base config for a flow (as MirrorMakerConfig.connectorBaseConfig builds it). */
    public Map<String, String> connectorBase(Flow flow) {
        Map<String, String> config = new LinkedHashMap<>();
        String flowPrefix = flow.source() + "->" + flow.target() + ".";
        props.forEach((key, value) -> {
            if (!key.equals(CLUSTERS) && !key.contains("->") && clusters.stream().noneMatch(c -> key.startsWith(c + "."))) {
                config.put(key, value);
            }
        });
        props.forEach((key, value) -> {
            if (key.startsWith(flowPrefix)) {
                config.put(key.substring(flowPrefix.length()), value);
            }
        });
        props.forEach((key, value) -> {
            if (key.startsWith(flow.source() + ".")) {
                config.put(MirrorConnectorConfig.SOURCE_CLUSTER_PREFIX + key.substring(flow.source().length() + 1), value);
            }
            if (key.startsWith(flow.target() + ".")) {
                config.put(MirrorConnectorConfig.TARGET_CLUSTER_PREFIX + key.substring(flow.target().length() + 1), value);
            }
        });
        config.put(MirrorConnectorConfig.SOURCE_CLUSTER_ALIAS, flow.source());
        config.put(MirrorConnectorConfig.TARGET_CLUSTER_ALIAS, flow.target());
        config.remove("enabled");
        config.remove(STATE_DIR);
        WORKER_KEYS.forEach(config::remove);
        return config;
    }

    private Map<String, String> connector(Flow flow, String connectorClass, String name) {
        Map<String, String> config = connectorBase(flow);
        config.put("connector.class", connectorClass);
        config.put("name", name);
        return config;
    }
}
