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
    public static final String EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support";
    public static final String OFFSET_STORAGE_TOPIC = "offset.storage.topic";
    public static final String OFFSET_STORAGE_PARTITIONS = "offset.storage.partitions";
    public static final String OFFSET_STORAGE_REPLICATION_FACTOR = "offset.storage.replication.factor";

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
            .define(EXACTLY_ONCE_SOURCE_SUPPORT, Type.STRING, "disabled",
                    ConfigDef.CaseInsensitiveValidString.in("disabled", "preparing", "enabled"), Importance.HIGH,
                    "enabled: source tasks write records and offsets in one transaction (standalone mode too); "
                            + "preparing behaves as disabled. Switching needs no rolling restart.")
            .define(OFFSET_STORAGE_TOPIC, Type.STRING, "connect-offsets", Importance.HIGH,
                    "Compacted topic of source offsets (distributed mode, and standalone mode with exactly-once).")
            .define(OFFSET_STORAGE_PARTITIONS, Type.INT, 25, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Partitions of the offsets topic when the worker creates it.")
            .define(OFFSET_STORAGE_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the offsets topic when the worker creates it (-1: the broker default; "
                            + "capped by the number of brokers).");

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
        short factor = getShort(OFFSET_STORAGE_REPLICATION_FACTOR);
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
