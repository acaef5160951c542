package io.sluice.connect.herder;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.worker.ConnectorTaskId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What distributed workers exchange through the group (protocol type {@code connect}, protocol name
 * {@value #PROTOCOL}): each member's metadata says what it runs now, so that the leader can assign incrementally and
 * reassign a departed member's work even when the departed member was the previous leader; the assignment says what
 * each member runs from now on.
 */
final class ConnectProtocol {
    static final String PROTOCOL_TYPE = "connect";
    static final String PROTOCOL = "sluice-incremental";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A task as it travels in JSON. */
    record Task(String connector, int task) {
        static Task of(ConnectorTaskId id) {
            return new Task(id.connector(), id.task());
        }

        ConnectorTaskId id() {
            return new ConnectorTaskId(connector, task);
        }
    }

    /** A member's JoinGroup metadata: its REST URL and what it owns. */
    record Metadata(String url, @JsonProperty("config_offset") long configOffset, List<String> connectors,
                    List<Task> tasks) {
    }

    /**
     * A member's SyncGroup assignment: everything it runs from now on (what it owned and is not listed here is
     * revoked), the leader, and whether revocations happened, in which case the revoking members rejoin once they
     * stopped the revoked work so that the next generation hands it to others.
     */
    record Assignment(@JsonProperty("leader_url") String leaderUrl,
                      @JsonProperty("config_offset") long configOffset, List<String> connectors, List<Task> tasks,
                      boolean revoked) {
    }

    private ConnectProtocol() {
    }

    static ByteBuffer write(Object value) {
        try {
            return ByteBuffer.wrap(JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(ByteBuffer data, Class<T> type) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable " + type.getSimpleName() + " in the connect group", e);
        }
    }
}
