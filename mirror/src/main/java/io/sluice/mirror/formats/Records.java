package io.sluice.mirror.formats;

import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.Heartbeat;

import java.nio.ByteBuffer;

/**
 * Keys and values of MM2's checkpoint and heartbeat records, written with the schemas {@code connect-mirror-client}
 * publishes (its own serializers are package-private), so its {@code deserializeRecord} and
 * {@code RemoteClusterUtils} read them unchanged. Values start with a version header (int16, 0).
 */
public final class Records {
    private Records() {
    }

    public static byte[] checkpointKey(Checkpoint checkpoint) {
        Struct key = new Struct(Checkpoint.KEY_SCHEMA)
                .set(Checkpoint.CONSUMER_GROUP_ID_KEY, checkpoint.consumerGroupId())
                .set(Checkpoint.TOPIC_KEY, checkpoint.topicPartition().topic())
                .set(Checkpoint.PARTITION_KEY, checkpoint.topicPartition().partition());
        return OffsetSync.write(Checkpoint.KEY_SCHEMA, key);
    }

    public static byte[] checkpointValue(Checkpoint checkpoint) {
        Struct header = new Struct(Checkpoint.HEADER_SCHEMA).set(Checkpoint.VERSION_KEY, Checkpoint.VERSION);
        Struct value = new Struct(Checkpoint.VALUE_SCHEMA_V0)
                .set(Checkpoint.UPSTREAM_OFFSET_KEY, checkpoint.upstreamOffset())
                .set(Checkpoint.DOWNSTREAM_OFFSET_KEY, checkpoint.downstreamOffset())
                .set(Checkpoint.METADATA_KEY, checkpoint.metadata() == null ? "" : checkpoint.metadata());
        ByteBuffer buffer = ByteBuffer.allocate(Checkpoint.HEADER_SCHEMA.sizeOf(header)
                + Checkpoint.VALUE_SCHEMA_V0.sizeOf(value));
        Checkpoint.HEADER_SCHEMA.write(buffer, header);
        Checkpoint.VALUE_SCHEMA_V0.write(buffer, value);
        return buffer.array();
    }

    public static byte[] heartbeatKey(Heartbeat heartbeat) {
        Struct key = new Struct(Heartbeat.KEY_SCHEMA)
                .set(Heartbeat.SOURCE_CLUSTER_ALIAS_KEY, heartbeat.sourceClusterAlias())
                .set(Heartbeat.TARGET_CLUSTER_ALIAS_KEY, heartbeat.targetClusterAlias());
        return OffsetSync.write(Heartbeat.KEY_SCHEMA, key);
    }

    public static byte[] heartbeatValue(Heartbeat heartbeat) {
        Struct header = new Struct(Heartbeat.HEADER_SCHEMA).set(Heartbeat.VERSION_KEY, Heartbeat.VERSION);
        Struct value = new Struct(Heartbeat.VALUE_SCHEMA_V0).set(Heartbeat.TIMESTAMP_KEY, heartbeat.timestamp());
        ByteBuffer buffer = ByteBuffer.allocate(Heartbeat.HEADER_SCHEMA.sizeOf(header)
                + Heartbeat.VALUE_SCHEMA_V0.sizeOf(value));
        Heartbeat.HEADER_SCHEMA.write(buffer, header);
        Heartbeat.VALUE_SCHEMA_V0.write(buffer, value);
        return buffer.array();
    }
}
