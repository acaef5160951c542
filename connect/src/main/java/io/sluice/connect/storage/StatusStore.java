package io.sluice.connect.storage;

import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.runtime.store.StoreSettings;
import io.sluice.runtime.store.TopicStore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where every worker reports the state of the connectors and tasks it runs, in Kafka Connect's status topic
 * ({@code status.storage.topic}, 5 partitions by default, compacted): keys {@code status-connector-<c>} and
 * {@code status-task-<c>-<i>}, values {@code {"state","trace","worker_id","generation"}} (KafkaStatusBackingStore's
 * format). A report of an older group generation from another worker does not replace a newer one, so a worker that
 * lost its tasks cannot overwrite what their new owner says.
 */
public final class StatusStore implements AutoCloseable {
    public static final String CONNECTOR_PREFIX = "status-connector-";
    public static final String TASK_PREFIX = "status-task-";
    public static final String TOPIC_PREFIX = "status-topic-";
    public static final String TOPIC_SEPARATOR = ":connector-";

    static final Schema STATUS_SCHEMA_V0 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("trace", SchemaBuilder.string().optional().build())
            .field("worker_id", Schema.STRING_SCHEMA)
            .field("generation", Schema.INT32_SCHEMA)
            .build();

    /** {@code status-topic-<topic>:connector-<c>}: {@code {"topic":{"name","connector","task","discoverTimestamp"}}}. */
    static final Schema TOPIC_STATUS_V0 = SchemaBuilder.struct()
            .field("topic", SchemaBuilder.struct()
                    .field("name", Schema.STRING_SCHEMA)
                    .field("connector", Schema.STRING_SCHEMA)
                    .field("task", Schema.INT32_SCHEMA)
                    .field("discoverTimestamp", Schema.INT64_SCHEMA)
                    .build())
            .build();

    /** One reported state. */
    public record Entry(String state, String trace, String workerId, int generation) {
    }

    private final TopicStore<String, byte[]> store;
    private final InternalJson json = new InternalJson();
    private final Map<String, Entry> entries = new HashMap<>();
    /** Connector → the topics its tasks used (KIP-558's active topics). */
    private final Map<String, Set<String>> topics = new HashMap<>();

    public StatusStore(Map<String, Object> clientProps, String clientId, StoreSettings settings) {
        this.store = new TopicStore<>(clientProps, clientId + "-statuses", settings, Serdes.String(), Serdes.ByteArray());
        store.addListener(this::onRecord);
    }

    public void start() {
        store.start();
    }

    public static String connectorKey(String connector) {
        return CONNECTOR_PREFIX + connector;
    }

    public static String taskKey(ConnectorTaskId id) {
        return TASK_PREFIX + id.connector() + "-" + id.task();
    }

    public synchronized Entry connector(String connector) {
        return entries.get(connectorKey(connector));
    }

    public synchronized Entry task(ConnectorTaskId id) {
        return entries.get(taskKey(id));
    }

    public void putConnector(String connector, Entry entry) {
        put(connectorKey(connector), entry);
    }

    public void putTask(ConnectorTaskId id, Entry entry) {
        put(taskKey(id), entry);
    }

    /** Tombstones for a deleted connector's statuses and its tasks'. */
    public void remove(String connector, int tasks) {
        List<TopicStore.Entry<String, byte[]>> tombstones = new ArrayList<>();
        tombstones.add(new TopicStore.Entry<>(connectorKey(connector), null));
        for (int i = 0; i < tasks; i++) {
            tombstones.add(new TopicStore.Entry<>(taskKey(new ConnectorTaskId(connector, i)), null));
        }
        store.write(tombstones);
    }

    public static String topicKey(String topic, String connector) {
        return TOPIC_PREFIX + topic + TOPIC_SEPARATOR + connector;
    }

    /** The topics the connector's tasks used, sorted; empty when none is known. */
    public synchronized Set<String> topics(String connector) {
        return new TreeSet<>(topics.getOrDefault(connector, Set.of()));
    }

    /** Records that task {@code id} used {@code topic}, unless that is known already. */
    public void putTopic(ConnectorTaskId id, String topic) {
        synchronized (this) {
            if (topics.getOrDefault(id.connector(), Set.of()).contains(topic)) {
                return;
            }
        }
        Struct inner = new Struct(TOPIC_STATUS_V0.field("topic").schema()).put("name", topic)
                .put("connector", id.connector()).put("task", id.task()).put("discoverTimestamp", System.currentTimeMillis());
        Struct value = new Struct(TOPIC_STATUS_V0).put("topic", inner);
        store.write(List.of(new TopicStore.Entry<>(topicKey(topic, id.connector()), json.write(store.topic(), value))));
    }

    /** Forgets the connector's topics ({@code PUT /connectors/<c>/topics/reset}): tombstones. */
    public void resetTopics(String connector) {
        List<TopicStore.Entry<String, byte[]>> tombstones = new ArrayList<>();
        topics(connector).forEach(topic -> tombstones.add(new TopicStore.Entry<>(topicKey(topic, connector), null)));
        store.write(tombstones);
    }

    private void put(String key, Entry entry) {
        Struct value = new Struct(STATUS_SCHEMA_V0).put("state", entry.state()).put("trace", entry.trace())
                .put("worker_id", entry.workerId()).put("generation", entry.generation());
        store.write(List.of(new TopicStore.Entry<>(key, json.write(store.topic(), value))));
    }

    private void onRecord(String key, byte[] value, long offset) {
        Map<String, Object> data = json.read(store.topic(), value);
        synchronized (this) {
            if (key.startsWith(TOPIC_PREFIX)) {
                int separator = key.lastIndexOf(TOPIC_SEPARATOR);
                if (separator > 0) {
                    String topic = key.substring(TOPIC_PREFIX.length(), separator);
                    String connector = key.substring(separator + TOPIC_SEPARATOR.length());
                    if (data == null) {
                        topics.getOrDefault(connector, new HashSet<>()).remove(topic);
                    } else {
                        topics.computeIfAbsent(connector, c -> new HashSet<>()).add(topic);
                    }
                }
                return;
            }
            if (data == null) {
                entries.remove(key);
                return;
            }
            Entry next = new Entry(String.valueOf(data.get("state")), (String) data.get("trace"),
                    (String) data.get("worker_id"), data.get("generation") instanceof Number n ? n.intValue() : -1);
            Entry current = entries.get(key);
            if (current == null || next.generation() >= current.generation()
                    || next.workerId().equals(current.workerId())) {
                entries.put(key, next);
            }
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
