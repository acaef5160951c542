package io.sluice.connect.herder;

import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.Worker;
import io.sluice.connect.worker.TargetState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;

/**
 * What the REST API asks of a worker: the connectors it knows, their configs, states and restarts. The standalone
 * herder answers from memory; the distributed one from the config and status topics, forwarding writes to the group
 * leader. Errors are {@link HerderException}s carrying Kafka Connect's HTTP status.
 */
public interface Herder extends AutoCloseable {

    /** The outcome of a create-or-update: whether it created the connector, and the connector now. */
    record Created(boolean created, ConnectorInfo info) {
    }

    ConnectorValidator validator();

    String workerId();

    List<String> connectors();

    /**
     * Creates connector {@code name} or, when {@code allowReplace}, replaces its config and restarts it.
     *
     * @throws HerderException 400 for an invalid config, 409 when it exists and {@code allowReplace} is false
     */
    Created putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                               TargetState initialState);

    ConnectorInfo connectorInfo(String name);

    Map<String, String> connectorConfig(String name);

    List<ConnectorInfo.TaskInfo> tasks(String name);

    void deleteConnector(String name);

    ConnectorStateInfo status(String name);

    ConnectorStateInfo.TaskState taskStatus(ConnectorTaskId id);

    void pause(String name);

    void resume(String name);

    void stop(String name);

    ConnectorStateInfo restart(String name, boolean includeTasks, boolean onlyFailed);

    void restartTask(ConnectorTaskId id);

    /**
     * The worker this herder runs tasks on, for what each worker tracks itself (task metrics, active topics).
     * Herders override it; the default says the herder has none.
     */
    default Worker worker() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not expose its worker");
    }

    /**
     * KIP-477's {@code PATCH /connectors/{c}/config}: the current config with the patch's keys set, a null value
     * removing its key; the connector restarts with the result.
     *
     * @throws HerderException 404 for an unknown connector, 400 when the result is invalid
     */
    default ConnectorInfo patchConnectorConfig(String name, Map<String, String> patch) {
        Map<String, String> merged = new LinkedHashMap<>(connectorConfig(name));
        patch.forEach((key, value) -> {
            if (value == null) {
                merged.remove(key);
            } else {
                merged.put(key, value);
            }
        });
        return putConnectorConfig(name, merged, true, TargetState.STARTED).info();
    }

    /** Topics the connector's tasks produced to or consumed from since the last reset (KIP-558). */
    default Set<String> activeTopics(String name) {
        connectorInfo(name);
        return worker().activeTopics(name);
    }

    default void resetActiveTopics(String name) {
        connectorInfo(name);
        worker().resetActiveTopics(name);
    }

    /** Each of the connector's tasks' counters on this worker. */
    default List<TaskMetrics> metrics(String name) {
        connectorInfo(name);
        return worker().connectorMetrics(name);
    }

    /** KIP-875: the connector's offsets ({@code GET /connectors/{c}/offsets}); see {@link ConnectorOffsets}. */
    default ConnectorOffsets.Offsets connectorOffsets(String name) {
        throw HerderException.notImplemented("This worker cannot read connector offsets");
    }

    /** KIP-875: alters a STOPPED connector's offsets; 400 unless it is STOPPED. */
    default ConnectorOffsets.Message alterConnectorOffsets(String name, ConnectorOffsets.Offsets offsets) {
        throw HerderException.notImplemented("This worker cannot alter connector offsets");
    }

    /** KIP-875: removes every offset of a STOPPED connector; 400 unless it is STOPPED. */
    default ConnectorOffsets.Message resetConnectorOffsets(String name) {
        throw HerderException.notImplemented("This worker cannot reset connector offsets");
    }

    @Override
    void close();
}
