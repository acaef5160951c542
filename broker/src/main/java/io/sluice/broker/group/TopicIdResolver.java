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
}
