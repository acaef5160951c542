package io.sluice.connect.worker;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker's settings, under Kafka Connect's worker config names. Keys prefixed {@code producer.} /
 * {@code consumer.} go, without the prefix, to the tasks' producers / consumers; other unknown keys
 * ({@code security.protocol}, ...) go to both, as in Kafka Connect.
 */
public final class WorkerConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS = CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
    public static final String KEY_CONVERTER = "key.converter";
    public static final String VALUE_CONVERTER = "value.converter";
    public static final String HEADER_CONVERTER = "header.converter";
    public static final String PLUGIN_PATH = "plugin.path";
    public static final String LISTENERS = "listeners";
    public static final String REST_ADVERTISED_HOST_NAME = "rest.advertised.host.name";
    public static final String REST_ADVERTISED_PORT = "rest.advertised.port";
    public static final String OFFSET_STORAGE_FILE = "offset.storage.file.filename";
    public static final String OFFSET_FLUSH_INTERVAL_MS = "offset.flush.interval.ms";
    public static final String OFFSET_FLUSH_TIMEOUT_MS = "offset.flush.timeout.ms";
    public static final String TASK_SHUTDOWN_TIMEOUT_MS = "task.shutdown.graceful.timeout.ms";
    public static final String TOPIC_TRACKING_ENABLE = "topic.tracking.enable";
    public static final String TOPIC_TRACKING_ALLOW_RESET = "topic.tracking.allow.reset";
    // Distributed mode (Kafka Connect's DistributedConfig names); defined here so they never reach the tasks' clients.
    public static final String GROUP_ID = "group.id";
    public static final String CONFIG_TOPIC = "config.storage.topic";
    public static final String CONFIG_REPLICATION_FACTOR = "config.storage.replication.factor";
    public static final String OFFSET_TOPIC = "offset.storage.topic";
    public static final String OFFSET_REPLICATION_FACTOR = "offset.storage.replication.factor";
    public static final String OFFSET_PARTITIONS = "offset.storage.partitions";
    public static final String STATUS_TOPIC = "status.storage.topic";
    public static final String STATUS_REPLICATION_FACTOR = "status.storage.replication.factor";
    public static final String STATUS_PARTITIONS = "status.storage.partitions";
    public static final String SESSION_TIMEOUT_MS = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String REBALANCE_TIMEOUT_MS = "rebalance.timeout.ms";
    public static final String SCHEDULED_REBALANCE_MAX_DELAY_MS = "scheduled.rebalance.max.delay.ms";
    public static final String REST_ADVERTISED_LISTENER = "rest.advertised.listener";
    public static final String EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, "localhost:9092", Importance.HIGH,
                    "Kafka cluster the worker's clients connect to.")
            .define(KEY_CONVERTER, Type.STRING, JsonConverter.class.getName(), Importance.HIGH,
                    "Converter class for record keys, unless the connector sets its own.")
            .define(VALUE_CONVERTER, Type.STRING, JsonConverter.class.getName(), Importance.HIGH,
                    "Converter class for record values, unless the connector sets its own.")
            .define(HEADER_CONVERTER, Type.STRING, SimpleHeaderConverter.class.getName(), Importance.LOW,
                    "HeaderConverter class for record headers.")
            .define(PLUGIN_PATH, Type.LIST, "", Importance.LOW,
                    "Jars and directories of plugins, each loaded in its own class loader.")
            .define(LISTENERS, Type.LIST, "http://127.0.0.1:8083", Importance.LOW, "REST API listener.")
            .define(REST_ADVERTISED_HOST_NAME, Type.STRING, null, Importance.LOW, "Host name given to others.")
            .define(REST_ADVERTISED_PORT, Type.INT, null, Importance.LOW, "Port given to others.")
            .define(OFFSET_STORAGE_FILE, Type.STRING, null, Importance.HIGH,
                    "File of source connector offsets (standalone mode).")
            .define(OFFSET_FLUSH_INTERVAL_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How often tasks commit offsets.")
            .define(OFFSET_FLUSH_TIMEOUT_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long an offset commit waits for outstanding records.")
            .define(TASK_SHUTDOWN_TIMEOUT_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long stopping waits for a task.")
            .define(GROUP_ID, Type.STRING, "connect-cluster", Importance.HIGH,
                    "The group the distributed workers of one Connect cluster join.")
            .define(CONFIG_TOPIC, Type.STRING, "connect-configs", Importance.HIGH, "Topic of connector configs.")
            .define(CONFIG_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the config topic when created (-1: 3, capped by the brokers up).")
            .define(OFFSET_TOPIC, Type.STRING, "connect-offsets", Importance.HIGH, "Topic of source offsets.")
            .define(OFFSET_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the offsets topic when created.")
            .define(OFFSET_PARTITIONS, Type.INT, 25, Importance.LOW, "Partitions of the offsets topic when created.")
            .define(STATUS_TOPIC, Type.STRING, "connect-status", Importance.HIGH, "Topic of connector and task states.")
            .define(STATUS_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the status topic when created.")
            .define(STATUS_PARTITIONS, Type.INT, 5, Importance.LOW, "Partitions of the status topic when created.")
            .define(SESSION_TIMEOUT_MS, Type.INT, 10_000, Importance.HIGH,
                    "A worker that does not heartbeat within this is out of the group; its work moves at once.")
            .define(HEARTBEAT_INTERVAL_MS, Type.INT, 3_000, Importance.HIGH, "Heartbeats to the group coordinator.")
            .define(REBALANCE_TIMEOUT_MS, Type.INT, 60_000, Importance.HIGH,
                    "How long a rebalance waits for every worker to rejoin.")
            .define(SCHEDULED_REBALANCE_MAX_DELAY_MS, Type.INT, 300_000, Importance.LOW,
                    "Accepted for compatibility; Sluice reassigns a departed worker's work at the next rebalance.")
            .define(EXACTLY_ONCE_SOURCE_SUPPORT, Type.STRING, "disabled",
                    ConfigDef.CaseInsensitiveValidString.in("disabled", "preparing", "enabled"), Importance.HIGH,
                    "enabled: source tasks write records and offsets in one transaction (standalone mode too); "
                            + "preparing behaves as disabled. Switching needs no rolling restart.")
            .define(REST_ADVERTISED_LISTENER, Type.STRING, null, Importance.LOW,
                    "Scheme given to other workers (http).");

    static {
        TaskRestartPolicy.defineWorker(CONFIG);
        CONFIG.define(TOPIC_TRACKING_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                        "Track the topics each connector uses (GET /connectors/{c}/topics).")
                .define(TOPIC_TRACKING_ALLOW_RESET, Type.BOOLEAN, true, Importance.LOW,
                        "Allow PUT /connectors/{c}/topics/reset.");
    }

    public final String listenerHost;
    public final int listenerPort;

    public WorkerConfig(Map<String, String> settings) {
        super(CONFIG, settings, false);
        URI listener = URI.create(getList(LISTENERS).isEmpty() ? "http://127.0.0.1:8083" : getList(LISTENERS).get(0).trim());
        if (!"http".equalsIgnoreCase(listener.getScheme()) || listener.getHost() == null) {
            throw new ConfigException(LISTENERS, settings.get(LISTENERS), "expected http://host:port");
        }
        listenerHost = listener.getHost();
        listenerPort = listener.getPort() < 0 ? 8083 : listener.getPort();
    }

    public static ConfigDef configDef() {
        return CONFIG;
    }

    /** Standalone mode keeps source offsets in a file; Kafka Connect requires it too. */
    public String offsetFile() {
        String file = getString(OFFSET_STORAGE_FILE);
        if (file == null || file.isBlank()) {
            throw new ConfigException(OFFSET_STORAGE_FILE, file, "standalone mode needs a file for source offsets");
        }
        return file;
    }

    /** Whether source tasks run transactionally ({@code exactly.once.source.support=enabled}). */
    public boolean exactlyOnceSourceEnabled() {
        return "enabled".equalsIgnoreCase(getString(EXACTLY_ONCE_SOURCE_SUPPORT));
    }

    /** The offsets topic's replication factor for topic creation; -1 (the broker default) counts as 3. */
    public short offsetStorageReplicationFactor() {
        short factor = getShort(OFFSET_REPLICATION_FACTOR);
        return factor < 1 ? 3 : factor;
    }

    /** The prefix of source tasks' transactional ids: {@code group.id}, or {@code connect-standalone} without one. */
    public String transactionalIdPrefix() {
        Object groupId = originals().get("group.id");
        return groupId == null || groupId.toString().isBlank() ? "connect-standalone" : groupId.toString().trim();
    }

    public List<String> pluginPath() {
        return getList(PLUGIN_PATH);
    }

    /** Settings for the tasks' producers: shared client settings, then {@code producer.*}. */
    public Map<String, Object> producerSettings() {
        return clientSettings("producer.");
    }

    /** Settings for the tasks' consumers: shared client settings, then {@code consumer.*}. */
    public Map<String, Object> consumerSettings() {
        return clientSettings("consumer.");
    }

    /** Settings for the worker's admin client. */
    public Map<String, Object> adminSettings() {
        return clientSettings("admin.");
    }

    private Map<String, Object> clientSettings(String prefix) {
        Map<String, Object> settings = new HashMap<>();
        originalsStrings().forEach((key, value) -> {
            if (!CONFIG.names().contains(key) && !key.startsWith("producer.") && !key.startsWith("consumer.")
                    && !key.startsWith("admin.") && !key.startsWith(KEY_CONVERTER + ".")
                    && !key.startsWith(VALUE_CONVERTER + ".") && !key.startsWith(HEADER_CONVERTER + ".")) {
                settings.put(key, value);
            }
        });
        settings.put(BOOTSTRAP_SERVERS, String.join(",", getList(BOOTSTRAP_SERVERS)));
        settings.putAll(originalsWithPrefix(prefix));
        return settings;
    }
}
