package io.sluice.broker.group;

import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.ReadResult;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Writes group and offset records to the group's {@code __consumer_offsets} partition and reads a
 * partition back into groups. A group lives in partition {@code abs(groupId.hashCode()) % partitions},
 * so all of its records are in one log, in the order they were written.
 */
final class GroupStore {
    /** Epoch stamped on our batches until partition leadership of {@code __consumer_offsets} is wired in. */
    private static final int LEADER_EPOCH = 0;
    private static final int READ_CHUNK_BYTES = 1 << 20;

    /** What one partition holds for one group after replaying its log. */
    static final class LoadedGroup {
        GroupRecords.GroupValue metadata;
        final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    }

    private final int numPartitions;
    private final IntFunction<PartitionLog> logs;

    GroupStore(int numPartitions, IntFunction<PartitionLog> logs) {
        this.numPartitions = numPartitions;
        this.logs = logs;
    }

    int numPartitions() {
        return numPartitions;
    }

    int partitionFor(String groupId) {
        return Utils.abs(groupId.hashCode()) % numPartitions;
    }

    static SimpleRecord offsetRecord(String groupId, TopicPartition tp, CommittedOffset value, long now) {
        return new SimpleRecord(now, GroupRecords.offsetKey(groupId, tp.topic(), tp.partition()),
                value == null ? null : GroupRecords.offsetValue(value));
    }

    static SimpleRecord groupRecord(String groupId, GroupRecords.GroupValue value, long now) {
        return new SimpleRecord(now, GroupRecords.groupKey(groupId),
                value == null ? null : GroupRecords.groupValue(value));
    }

    /**
     * Appends the records as one batch, atomically; throws if the log refuses them. Callers update
     * their in-memory state only after this returns.
     */
    void append(String groupId, List<SimpleRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
        logs.apply(partitionFor(groupId)).append(batch, LEADER_EPOCH);
    }

    /** Replays a partition's log: the latest metadata and offsets of every group it holds. */
    Map<String, LoadedGroup> load(int partition) {
        PartitionLog log = logs.apply(partition);
        Map<String, LoadedGroup> groups = new HashMap<>();
        long next = log.logStartOffset();
        long end = log.logEndOffset();
        while (next < end) {
            ReadResult read = log.read(next, READ_CHUNK_BYTES, true);
            long before = next;
            for (RecordBatch batch : read.records().batches()) {
                if (batch.nextOffset() <= next) {
                    continue;
                }
                if (!batch.isControlBatch()) {
                    for (Record record : batch) {
                        if (record.offset() >= next) {
                            apply(groups, record);
                        }
                    }
                }
                next = batch.nextOffset();
            }
            if (next == before) {
                break;
            }
        }
        groups.values().removeIf(g -> g.metadata == null && g.offsets.isEmpty());
        return groups;
    }

    private static void apply(Map<String, LoadedGroup> groups, Record record) {
        if (!record.hasKey()) {
            return;
        }
        GroupRecords.Key key = GroupRecords.readKey(record.key());
        if (key == null) {
            return;
        }
        LoadedGroup group = groups.computeIfAbsent(key.groupId(), g -> new LoadedGroup());
        if (key instanceof GroupRecords.OffsetKey k) {
            TopicPartition tp = new TopicPartition(k.topic(), k.partition());
            if (record.hasValue()) {
                group.offsets.put(tp, GroupRecords.readOffsetValue(record.value()));
            } else {
                group.offsets.remove(tp);
            }
        } else {
            group.metadata = record.hasValue() ? GroupRecords.readGroupValue(record.value()) : null;
        }
    }
}
