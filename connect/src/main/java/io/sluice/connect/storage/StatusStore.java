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
import java.util.List;
import java.util.Map;

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

    static final Schema STATUS_SCHEMA_V0 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("trace", SchemaBuilder.string().optional().build())
            .field("worker_id", Schema.STRING_SCHEMA)
            .field("generation", Schema.INT32_SCHEMA)
            .build();

    /** One reported state. */
    public record Entry(String state, String trace, String workerId, int generation) {
    }

    private final TopicStore<String, byte[]> store;
    private final InternalJson json = new InternalJson();
    private final Map<String, Entry> entries = new HashMap<>();

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

    private void put(String key, Entry entry) {
        Struct value = new Struct(STATUS_SCHEMA_V0).put("state", entry.state()).put("trace", entry.trace())
                .put("worker_id", entry.workerId()).put("generation", entry.generation());
        store.write(List.of(new TopicStore.Entry<>(key, json.write(store.topic(), value))));
    }

    private void onRecord(String key, byte[] value, long offset) {
        Map<String, Object> data = json.read(store.topic(), value);
        synchronized (this) {
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
