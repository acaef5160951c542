package io.sluice.connect.herder;

import java.util.List;
import java.util.Map;

/** {@code GET /connectors/{c}}: the connector's config and its tasks. */
public record ConnectorInfo(String name, Map<String, String> config, List<TaskRef> tasks, ConnectorType type) {

    /** A task's id as Kafka Connect writes it in JSON: {@code {"connector":"c","task":0}}. */
    public record TaskRef(String connector, int task) {
    }

    /** {@code GET /connectors/{c}/tasks}: one task's id and config. */
    public record TaskInfo(TaskRef id, Map<String, String> config) {
    }
}
