package io.sluice.broker.group;

import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.ReadResult;
import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Writes group and offset records to the group's {@code __consumer_offsets} partition and reads a
 * partition back into groups. A group lives in partition {@code abs(groupId.hashCode()) % partitions},
 * so all of its records are in one log, in the order they were written.
 *
 * <p>Writes go through a {@link ReplicatedAppender}: appended at once as the partition's leader (with
 * its leader epoch), or refused with an exception; whether the in-sync replicas got them is reported
 * later to the caller's callback, always as a task of the coordinator thread. Callers append while
 * holding their group's lock, and that lock must never be taken by the thread that completes a
 * replication: it holds the replica manager's waiter monitor, which an appending thread wants too.
 * Running callbacks as separate tasks breaks that cycle, and also means a callback finds the caller's
 * bookkeeping for the write done.
 *
 * <p>TxnOffsetCommit offsets are written as transactional batches of the committing producer and
 * only count once the producer's commit marker follows them in the same partition; an abort marker
 * discards them. Such batches carry sequence numbers continuing the producer's last batch in this
 * partition (epoch change: from 0), so that the partition's idempotent-producer checks accept them.
 */
final class GroupStore {
    private static final int READ_CHUNK_BYTES = 1 << 20;

    /** What one partition holds for one group after replaying its log. */
    static final class LoadedGroup {
        GroupRecords.GroupValue metadata;
        final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
        /** Transactional offsets whose transaction had no marker yet in the log, per producer id. */
        final Map<Long, Map<TopicPartition, CommittedOffset>> pendingTxnOffsets = new HashMap<>();
    }

    /** A producer's last transactional batch written here: its epoch and last sequence. */
    private record ProducerSequence(short epoch, int lastSequence) {
    }

    private final int numPartitions;
    private final IntFunction<PartitionLog> logs;
    private final ReplicatedAppender appender;
    private final Executor callbacks;
    /** Per offsets partition, per producer id: where its transactional offset batches have got to. */
    private final Map<Integer, Map<Long, ProducerSequence>> sequences = new ConcurrentHashMap<>();
    /**
     * Per offsets partition: orders sequence assignment with the append, across groups. Our own lock,
     * not the log's: the appender takes the partition's lock and then the log's, so holding the log's
     * first would invert that order.
     */
    private final Map<Integer, Object> sequenceLocks = new ConcurrentHashMap<>();

    /**
     * @param logs      the local log of each partition, read when a partition is loaded
     * @param appender  how records are written
     * @param callbacks the coordinator thread, where replication outcomes are handled
     */
    GroupStore(int numPartitions, IntFunction<PartitionLog> logs, ReplicatedAppender appender, Executor callbacks) {
        this.numPartitions = numPartitions;
        this.logs = logs;
        this.appender = appender;
        this.callbacks = callbacks;
    }

    int numPartitions() {
        return numPartitions;
    }

    int partitionFor(String groupId) {
        return Utils.abs(groupId.hashCode()) % numPartitions;
    }

    private TopicPartition topicPartition(int partition) {
        return new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, partition);
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
     * Appends the records as one batch, atomically. Callers change their in-memory state only after
     * this returns; {@code onReplicated} then gets NONE once the in-sync replicas hold the batch, or
     * the append error (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT).
     *
     * @throws RuntimeException when the append is refused (not the leader, too few in-sync replicas,
     *                          too large); {@code onReplicated} is then never called
     */
    void append(String groupId, List<SimpleRecord> records, Consumer<Errors> onReplicated) {
        if (records.isEmpty()) {
            whenReplicated(CompletableFuture.completedFuture(Errors.NONE), onReplicated);
            return;
        }
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
        whenReplicated(appender.append(topicPartition(partitionFor(groupId)), batch).replicated(), onReplicated);
    }

    /**
     * Appends TxnOffsetCommit records as one transactional batch of {@code producerId}, as
     * {@link #append} does; also refused when the log refuses the producer (e.g. a fenced epoch).
     */
    void appendTransactional(String groupId, long producerId, short producerEpoch, List<SimpleRecord> records,
                             Consumer<Errors> onReplicated) {
        if (records.isEmpty()) {
            whenReplicated(CompletableFuture.completedFuture(Errors.NONE), onReplicated);
            return;
        }
        int partition = partitionFor(groupId);
        Map<Long, ProducerSequence> producers = sequences.computeIfAbsent(partition, p -> new ConcurrentHashMap<>());
        CompletableFuture<Errors> replicated;
        synchronized (sequenceLocks.computeIfAbsent(partition, p -> new Object())) {
            ProducerSequence last = producers.get(producerId);
            int baseSequence = last == null || last.epoch() != producerEpoch ? 0 : nextSequence(last.lastSequence());
            MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, producerEpoch,
                    baseSequence, records.toArray(new SimpleRecord[0]));
            // A refused append throws here, before the sequence moves on. An appended batch that then
            // fails to replicate did use its sequences in the leader's log, so they stay used.
            replicated = appender.append(topicPartition(partition), batch).replicated();
            // Sequences wrap from Integer.MAX_VALUE to 0, as the producer state expects.
            int lastSequence = (int) ((baseSequence + (long) records.size() - 1) % (1L << 31));
            producers.put(producerId, new ProducerSequence(producerEpoch, lastSequence));
        }
        whenReplicated(replicated, onReplicated);
    }

    private void whenReplicated(CompletableFuture<Errors> replicated, Consumer<Errors> onReplicated) {
        replicated.whenComplete((error, failure) -> {
            Errors outcome = failure != null ? Errors.UNKNOWN_SERVER_ERROR : error;
            try {
                callbacks.execute(() -> onReplicated.accept(outcome));
            } catch (RejectedExecutionException closed) {
                // The coordinator is closed and takes no more requests, so no thread appends under a
                // group lock any more: answering here cannot deadlock.
                onReplicated.accept(Errors.NOT_LEADER_OR_FOLLOWER);
            }
        });
    }

    private static int nextSequence(int last) {
        return last == Integer.MAX_VALUE ? 0 : last + 1;
    }

    /**
     * Replays a partition's log: the latest metadata and offsets of every group it holds, and the
     * transactional offsets still waiting for their marker.
     */
    Map<String, LoadedGroup> load(int partition) {
        PartitionLog log = logs.apply(partition);
        Map<String, LoadedGroup> groups = new HashMap<>();
        Map<Long, ProducerSequence> producers = new ConcurrentHashMap<>();
        long next = log.logStartOffset();
        long end = log.logEndOffset();
        while (next < end) {
            ReadResult read = log.read(next, READ_CHUNK_BYTES, true);
            long before = next;
            for (RecordBatch batch : read.records().batches()) {
                if (batch.nextOffset() <= next) {
                    continue;
                }
                if (batch.isControlBatch()) {
                    applyMarker(groups, batch);
                } else if (batch.isTransactional()) {
                    producers.put(batch.producerId(), new ProducerSequence(batch.producerEpoch(), batch.lastSequence()));
                    for (Record record : batch) {
                        if (record.offset() >= next) {
                            applyPending(groups, batch.producerId(), record);
                        }
                    }
                } else {
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
        sequences.put(partition, producers);
        groups.values().removeIf(g -> g.metadata == null && g.offsets.isEmpty() && g.pendingTxnOffsets.isEmpty());
        return groups;
    }

    private static void applyMarker(Map<String, LoadedGroup> groups, RecordBatch batch) {
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) {
            return;
        }
        ControlRecordType type = ControlRecordType.parse(records.next().key());
        if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
            return;
        }
        for (LoadedGroup group : groups.values()) {
            Map<TopicPartition, CommittedOffset> pending = group.pendingTxnOffsets.remove(batch.producerId());
            if (pending != null && type == ControlRecordType.COMMIT) {
                group.offsets.putAll(pending);
            }
        }
    }

    private static void applyPending(Map<String, LoadedGroup> groups, long producerId, Record record) {
        if (!record.hasKey()) {
            return;
        }
        GroupRecords.Key key = GroupRecords.readKey(record.key());
        if (key instanceof GroupRecords.OffsetKey k && record.hasValue()) {
            groups.computeIfAbsent(k.groupId(), g -> new LoadedGroup()).pendingTxnOffsets
                    .computeIfAbsent(producerId, p -> new HashMap<>())
                    .put(new TopicPartition(k.topic(), k.partition()), GroupRecords.readOffsetValue(record.value()));
        }
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
