package io.sluice.connect.herder;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code GET /connectors/{c}/status}, in Kafka Connect's JSON. */
public record ConnectorStateInfo(String name, ConnectorState connector, List<TaskState> tasks, ConnectorType type) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ConnectorState(String state, @JsonProperty("worker_id") String workerId, String trace) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TaskState(int id, String state, @JsonProperty("worker_id") String workerId, String trace) {
    }
}
