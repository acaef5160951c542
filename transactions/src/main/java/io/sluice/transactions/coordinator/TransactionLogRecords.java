package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of {@code __transaction_state}: one per change of a transactional id, keyed by the id so
 * that compaction keeps the latest; a null value (tombstone) removes the id, and is how an expired
 * (Dead) id is written ({@link #valueFor}).
 *
 * <pre>
 * key   := version:int16 (0) transactionalId:string
 * value := version:int16 (0) producerId:int64 lastProducerId:int64 producerEpoch:int16
 *          lastProducerEpoch:int16 timeoutMs:int32 state:int8 (TransactionState.id)
 *          topicCount:int32 [topic:string partitionCount:int32 [partition:int32]]
 *          txnStartTimestamp:int64 txnLastUpdateTimestamp:int64
 * string := length:int16 utf8-bytes
 * </pre>
 *
 * <p>Compatibility: a later version may only append fields; readers decode the version-0 prefix of
 * any version and ignore the rest, so an older broker can still load a newer log.
 */
public final class TransactionLogRecords {
    public static final short KEY_VERSION = 0;
    public static final short VALUE_VERSION = 0;

    private TransactionLogRecords() {
    }

    /** The {@code __transaction_state} partition that holds this id (as Kafka places it). */
    public static int partitionFor(String transactionalId, int numPartitions) {
        return Utils.abs(transactionalId.hashCode()) % numPartitions;
    }

    public static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id).array();
    }

    public static String readKey(ByteBuffer key) {
        ByteBuffer b = key.duplicate();
        try {
            short version = b.getShort();
            if (version < 0) {
                throw new IllegalArgumentException("Bad transaction log key version " + version);
            }
            return readString(b);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated transaction log key", e);
        }
    }

    /** The value of the record that persists {@code m}: null (a tombstone) once the id is Dead. */
    public static byte[] valueFor(TransactionMetadata m) {
        return m.state() == TransactionState.DEAD ? null : value(m);
    }

    public static byte[] value(TransactionMetadata m) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        int size = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 4 + 8 + 8;
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size)
                .putShort(VALUE_VERSION)
                .putLong(m.producerId())
                .putLong(m.lastProducerId())
                .putShort(m.producerEpoch())
                .putShort(m.lastProducerEpoch())
                .putInt(m.timeoutMs())
                .put(m.state().id())
                .putInt(byTopic.size());
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            writeString(b, e.getKey());
            b.putInt(e.getValue().size());
            e.getValue().forEach(b::putInt);
        }
        b.putLong(m.txnStartTimestamp()).putLong(m.txnLastUpdateTimestamp());
        return b.array();
    }

    public static TransactionMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        try {
            short version = b.getShort();
            if (version < 0) {
                throw new IllegalArgumentException("Bad transaction log value version " + version);
            }
            long producerId = b.getLong();
            long lastProducerId = b.getLong();
            short epoch = b.getShort();
            short lastEpoch = b.getShort();
            int timeoutMs = b.getInt();
            TransactionState state = TransactionState.fromId(b.get());
            int topics = b.getInt();
            if (topics < 0) {
                throw new IllegalArgumentException("Negative topic count " + topics);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (int t = 0; t < topics; t++) {
                String topic = readString(b);
                int count = b.getInt();
                if (count < 0 || count > b.remaining() / 4) {
                    throw new IllegalArgumentException("Bad partition count " + count);
                }
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, b.getInt()));
                }
            }
            long start = b.getLong();
            long lastUpdate = b.getLong();
            return new TransactionMetadata(transactionalId, producerId, lastProducerId, epoch, lastEpoch, timeoutMs,
                    state, new java.util.HashSet<>(partitions), start, lastUpdate);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated transaction log value for " + transactionalId, e);
        }
    }

    private static void writeString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String readString(ByteBuffer b) {
        int length = b.getShort();
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("Bad string length " + length);
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
