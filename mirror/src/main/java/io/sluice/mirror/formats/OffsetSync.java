package io.sluice.mirror.formats;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

import java.nio.ByteBuffer;

/**
 * One record of MirrorMaker 2's offset-syncs topic ({@code mm2-offset-syncs.<cluster>.internal}): the upstream
 * partition as key ({@code topic} string, {@code partition} int32), and as value the upstream offset of a mirrored
 * record and the downstream offset it got ({@code upstreamOffset}, {@code offset}, both int64), in Kafka's protocol
 * type encoding — byte for byte what MM2's {@code OffsetSync} writes, so MM2's tools read Sluice's syncs and back.
 *
 * <p>Invariant Sluice keeps (MM2 does not): between two consecutive syncs of a partition, every mirrored record's
 * downstream offset is its upstream offset plus the earlier sync's (downstream − upstream).
 */
public record OffsetSync(TopicPartition upstream, long upstreamOffset, long downstreamOffset) {
    private static final Schema KEY = new Schema(new Field("topic", Type.STRING), new Field("partition", Type.INT32));
    private static final Schema VALUE = new Schema(new Field("upstreamOffset", Type.INT64), new Field("offset", Type.INT64));

    public byte[] key() {
        Struct struct = new Struct(KEY).set("topic", upstream.topic()).set("partition", upstream.partition());
        return write(KEY, struct);
    }

    public byte[] value() {
        Struct struct = new Struct(VALUE).set("upstreamOffset", upstreamOffset).set("offset", downstreamOffset);
        return write(VALUE, struct);
    }

    public long delta() {
        return downstreamOffset - upstreamOffset;
    }

    public static OffsetSync read(ConsumerRecord<byte[], byte[]> record) {
        Struct key = KEY.read(ByteBuffer.wrap(record.key()));
        Struct value = VALUE.read(ByteBuffer.wrap(record.value()));
        return new OffsetSync(new TopicPartition(key.getString("topic"), key.getInt("partition")),
                value.getLong("upstreamOffset"), value.getLong("offset"));
    }

    static byte[] write(Schema schema, Struct struct) {
        ByteBuffer buffer = ByteBuffer.allocate(schema.sizeOf(struct));
        schema.write(buffer, struct);
        return buffer.array();
    }
}
