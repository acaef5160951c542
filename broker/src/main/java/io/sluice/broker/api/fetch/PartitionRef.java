package io.sluice.broker.api.fetch;

import org.apache.kafka.common.Uuid;

/**
 * A partition as a fetch names it, and so as a fetch session keys it: by topic id from Fetch v13 on
 * ({@code topicName} null), by topic name before ({@code topicId} zero). Keyed by id, a session
 * keeps its entry while the id names no topic here (deleted, or not yet known); a topic re-created
 * under the same name has a new id, so it is a different partition to the session.
 */
public record PartitionRef(Uuid topicId, String topicName, int partition) {

    public static PartitionRef byId(Uuid topicId, int partition) {
        return new PartitionRef(topicId, null, partition);
    }

    public static PartitionRef byName(String topicName, int partition) {
        return new PartitionRef(Uuid.ZERO_UUID, topicName, partition);
    }

    boolean sameTopic(PartitionRef other) {
        return topicId.equals(other.topicId) && java.util.Objects.equals(topicName, other.topicName);
    }
}
