package io.sluice.broker.group;

import org.apache.kafka.common.Uuid;

/**
 * Topic names ↔ ids, for OffsetCommit v10+ and OffsetFetch v10+ which name topics by id. Offsets are
 * stored by topic name, as in Apache Kafka.
 */
public interface TopicIdResolver {
    /** The topic's name, or null when no topic has this id. */
    String name(Uuid topicId);

    /** The topic's id, or {@link Uuid#ZERO_UUID} when the topic is unknown. */
    Uuid id(String topicName);

    /**
     * How many partitions the topic has, or -1 when there is no such topic: OffsetCommit and
     * TxnOffsetCommit answer UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist, as Kafka does.
     * By default every partition is taken to exist.
     */
    default int partitionCount(String topicName) {
        return Integer.MAX_VALUE;
    }
}
