package io.sluice.connect.storage;

import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.TargetState;
import io.sluice.runtime.store.StoreSettings;
import io.sluice.runtime.store.TopicStore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The distributed workers' shared connector configs, in Kafka Connect's config topic ({@code config.storage.topic},
 * one partition, compacted; formats in {@link ConfigRecords}). Every worker reads the whole topic and keeps the
 * latest state in memory; task configs become visible only when their {@code commit-<name>} record arrives, so a
 * reader never sees half of a new set of tasks.
 */
public final class ConfigStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigStore.class);

    /** A consistent view: what the topic said up to {@code offset}. */
    public record Snapshot(long offset, Map<String, Map<String, String>> connectorConfigs,
                           Map<String, TargetState> targetStates, Map<String, List<Map<String, String>>> taskConfigs) {

        public boolean contains(String connector) {
            return connectorConfigs.containsKey(connector);
        }

        public TargetState targetState(String connector) {
            return targetStates.getOrDefault(connector, TargetState.STARTED);
        }

        public List<Map<String, String>> tasks(String connector) {
            return taskConfigs.getOrDefault(connector, List.of());
        }

        public int taskCount(String connector) {
            return tasks(connector).size();
        }
    }

    /** A restart asked for over REST ({@code restart-connector-<name>}). */
    public record RestartRequest(String connector, boolean includeTasks, boolean onlyFailed) {
    }

    /** Told, on the store's reader thread, after each change; must not block. */
    public interface Listener {
        void onChange(String connector);

        void onRestartRequest(RestartRequest request);
    }

    private final TopicStore<String, byte[]> store;
    private final InternalJson json = new InternalJson();
    private final Listener listener;
    private final Map<String, Map<String, String>> connectors = new TreeMap<>();
    private final Map<String, TargetState> targetStates = new HashMap<>();
    private final Map<String, List<Map<String, String>>> tasks = new HashMap<>();
    /** Task configs read but not committed yet, by connector. */
    private final Map<String, Map<Integer, Map<String, String>>> pendingTasks = new HashMap<>();
    private long offset = -1;
    private volatile boolean loaded;

    public ConfigStore(Map<String, Object> clientProps, String clientId, StoreSettings settings, Listener listener) {
        this.listener = listener;
        this.store = new TopicStore<>(clientProps, clientId + "-configs", settings, Serdes.String(), Serdes.ByteArray());
        store.addListener(this::onRecord);
    }

    /** Reads the topic to its end (creating it if missing); restart requests older than this are not acted on. */
    public void start() {
        store.start();
        loaded = true;
    }

    public String topic() {
        return store.topic();
    }

    public synchronized Snapshot snapshot() {
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        connectors.forEach((name, config) -> configs.put(name, Map.copyOf(config)));
        Map<String, List<Map<String, String>>> taskCopy = new HashMap<>();
        tasks.forEach((name, list) -> {
            if (connectors.containsKey(name)) {
                taskCopy.put(name, List.copyOf(list));
            }
        });
        return new Snapshot(offset, configs, Map.copyOf(targetStates), taskCopy);
    }

    /** Reads everything written so far by any worker. */
    public void refresh(Duration timeout) {
        store.syncToEnd(timeout);
    }

    /** Writes a connector's config, with its target state first when given (as Kafka Connect does on create). */
    public void putConnectorConfig(String connector, Map<String, String> config, TargetState initialState) {
        List<TopicStore.Entry<String, byte[]>> entries = new ArrayList<>();
        if (initialState != null) {
            entries.add(entry(ConfigRecords.targetStateKey(connector), ConfigRecords.targetState(initialState)));
        }
        entries.add(entry(ConfigRecords.connectorKey(connector), ConfigRecords.properties(config)));
        store.write(entries);
    }

    /** Tombstones for the connector's config and target state; its tasks go with the connector. */
    public void removeConnectorConfig(String connector) {
        store.write(List.of(new TopicStore.Entry<>(ConfigRecords.connectorKey(connector), null),
                new TopicStore.Entry<>(ConfigRecords.targetStateKey(connector), null)));
    }

    /** Every task config, then the commit that makes them current. */
    public void putTaskConfigs(String connector, List<Map<String, String>> configs) {
        List<TopicStore.Entry<String, byte[]>> entries = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            entries.add(entry(ConfigRecords.taskKey(new ConnectorTaskId(connector, i)),
                    ConfigRecords.properties(configs.get(i))));
        }
        store.write(entries);
        store.write(List.of(entry(ConfigRecords.commitKey(connector), ConfigRecords.commit(configs.size()))));
    }

    public void putTargetState(String connector, TargetState state) {
        store.write(List.of(entry(ConfigRecords.targetStateKey(connector), ConfigRecords.targetState(state))));
    }

    public void putRestartRequest(RestartRequest request) {
        store.write(List.of(entry(ConfigRecords.restartKey(request.connector()),
                ConfigRecords.restart(request.includeTasks(), request.onlyFailed()))));
    }

    private TopicStore.Entry<String, byte[]> entry(String key, Struct value) {
        return new TopicStore.Entry<>(key, json.write(store.topic(), value));
    }

    private void onRecord(String key, byte[] value, long recordOffset) {
        Map<String, Object> data = json.read(store.topic(), value);
        String changed = null;
        RestartRequest restart = null;
        synchronized (this) {
            offset = recordOffset;
            if (key.startsWith(ConfigRecords.CONNECTOR_PREFIX)) {
                changed = key.substring(ConfigRecords.CONNECTOR_PREFIX.length());
                if (data == null) {
                    connectors.remove(changed);
                    tasks.remove(changed);
                    pendingTasks.remove(changed);
                } else {
                    connectors.put(changed, strings(data.get("properties")));
                }
            } else if (key.startsWith(ConfigRecords.TASK_PREFIX)) {
                ConnectorTaskId id = ConfigRecords.parseTaskKey(key);
                if (id != null && data != null) {
                    pendingTasks.computeIfAbsent(id.connector(), c -> new HashMap<>())
                            .put(id.task(), strings(data.get("properties")));
                }
            } else if (key.startsWith(ConfigRecords.COMMIT_PREFIX)) {
                changed = key.substring(ConfigRecords.COMMIT_PREFIX.length());
                if (data != null) {
                    commitTasks(changed, ((Number) data.get("tasks")).intValue());
                }
            } else if (key.startsWith(ConfigRecords.TARGET_STATE_PREFIX)) {
                changed = key.substring(ConfigRecords.TARGET_STATE_PREFIX.length());
                if (data == null) {
                    targetStates.remove(changed);
                } else {
                    Object state = data.get("state.v2") != null ? data.get("state.v2") : data.get("state");
                    try {
                        targetStates.put(changed, TargetState.valueOf(String.valueOf(state)));
                    } catch (IllegalArgumentException e) {
                        log.warn("Ignoring unknown target state {} of connector {}", state, changed);
                    }
                }
            } else if (key.startsWith(ConfigRecords.RESTART_PREFIX) && data != null && loaded) {
                restart = new RestartRequest(key.substring(ConfigRecords.RESTART_PREFIX.length()),
                        Boolean.TRUE.equals(data.get("include-tasks")), Boolean.TRUE.equals(data.get("only-failed")));
            }
        }
        if (changed != null && loaded) {
            listener.onChange(changed);
        }
        if (restart != null) {
            listener.onRestartRequest(restart);
        }
    }

    /** Applies the pending task configs 0..count-1; a commit whose configs are missing keeps the previous ones. */
    private void commitTasks(String connector, int count) {
        Map<Integer, Map<String, String>> pending = pendingTasks.getOrDefault(connector, Map.of());
        List<Map<String, String>> previous = tasks.getOrDefault(connector, List.of());
        List<Map<String, String>> applied = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> config = pending.containsKey(i) ? pending.get(i) : i < previous.size() ? previous.get(i) : null;
            if (config == null) {
                log.warn("Commit of {} task(s) for connector {} lacks task {}'s config; keeping the previous tasks",
                        count, connector, i);
                return;
            }
            applied.add(config);
        }
        tasks.put(connector, applied);
        pendingTasks.remove(connector);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> strings(Object properties) {
        Map<String, String> result = new LinkedHashMap<>();
        if (properties instanceof Map<?, ?> map) {
            ((Map<Object, Object>) map).forEach((k, v) -> result.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        }
        return result;
    }

    @Override
    public void close() {
        store.close();
    }
}
