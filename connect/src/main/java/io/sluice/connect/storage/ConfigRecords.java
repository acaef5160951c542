package io.sluice.connect.storage;

import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.TargetState;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import java.util.Map;

/**
 * The keys and values of Kafka Connect's config topic (KafkaConfigBackingStore's format): keys are plain strings,
 * values schemaless JSON of these structs.
 * <ul>
 *   <li>{@code connector-<name>}: {@code {"properties":{...}}} (tombstone: deleted)</li>
 *   <li>{@code task-<name>-<i>}: {@code {"properties":{...}}}, applied only once the commit follows</li>
 *   <li>{@code commit-<name>}: {@code {"tasks":N}}</li>
 *   <li>{@code target-state-<name>}: {@code {"state":"STARTED|PAUSED","state.v2":"STARTED|PAUSED|STOPPED"}}; STOPPED
 *       is written as {@code "state":"PAUSED"} so that workers predating KIP-875 pause instead</li>
 *   <li>{@code restart-connector-<name>}: {@code {"include-tasks":bool,"only-failed":bool}}</li>
 * </ul>
 */
public final class ConfigRecords {
    public static final String CONNECTOR_PREFIX = "connector-";
    public static final String TASK_PREFIX = "task-";
    public static final String COMMIT_PREFIX = "commit-";
    public static final String TARGET_STATE_PREFIX = "target-state-";
    public static final String RESTART_PREFIX = "restart-connector-";

    static final Schema CONNECTOR_CONFIGURATION_V0 = SchemaBuilder.struct()
            .field("properties", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build())
            .build();
    static final Schema TASK_CONFIGURATION_V0 = CONNECTOR_CONFIGURATION_V0;
    static final Schema CONNECTOR_TASKS_COMMIT_V0 = SchemaBuilder.struct()
            .field("tasks", Schema.INT32_SCHEMA)
            .build();
    static final Schema TARGET_STATE_V1 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("state.v2", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Schema RESTART_REQUEST_V0 = SchemaBuilder.struct()
            .field("include-tasks", Schema.BOOLEAN_SCHEMA)
            .field("only-failed", Schema.BOOLEAN_SCHEMA)
            .build();

    private ConfigRecords() {
    }

    public static String connectorKey(String connector) {
        return CONNECTOR_PREFIX + connector;
    }

    public static String taskKey(ConnectorTaskId id) {
        return TASK_PREFIX + id.connector() + "-" + id.task();
    }

    public static String commitKey(String connector) {
        return COMMIT_PREFIX + connector;
    }

    public static String targetStateKey(String connector) {
        return TARGET_STATE_PREFIX + connector;
    }

    public static String restartKey(String connector) {
        return RESTART_PREFIX + connector;
    }

    static Struct properties(Map<String, String> properties) {
        return new Struct(CONNECTOR_CONFIGURATION_V0).put("properties", properties);
    }

    static Struct commit(int tasks) {
        return new Struct(CONNECTOR_TASKS_COMMIT_V0).put("tasks", tasks);
    }

    static Struct targetState(TargetState state) {
        return new Struct(TARGET_STATE_V1)
                .put("state", state == TargetState.STOPPED ? TargetState.PAUSED.name() : state.name())
                .put("state.v2", state.name());
    }

    static Struct restart(boolean includeTasks, boolean onlyFailed) {
        return new Struct(RESTART_REQUEST_V0).put("include-tasks", includeTasks).put("only-failed", onlyFailed);
    }

    /** {@code task-<connector>-<i>}: the connector name may itself contain dashes, the task number never. */
    static ConnectorTaskId parseTaskKey(String key) {
        String rest = key.substring(TASK_PREFIX.length());
        int dash = rest.lastIndexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            return new ConnectorTaskId(rest.substring(0, dash), Integer.parseInt(rest.substring(dash + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
