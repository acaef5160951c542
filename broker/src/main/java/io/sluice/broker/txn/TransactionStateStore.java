package io.sluice.broker.txn;

import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.ReadResult;
import io.sluice.broker.replication.ReplicatedAppender;
import io.sluice.transactions.coordinator.TransactionLogRecords;
import io.sluice.transactions.coordinator.TransactionMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Reads and writes {@code __transaction_state}: one record per change of a transactional id, in the
 * partition {@link TransactionLogRecords#partitionFor} picks, so an id's history is one ordered log.
 */
final class TransactionStateStore {
    private static final Logger log = LoggerFactory.getLogger(TransactionStateStore.class);
    private static final int READ_CHUNK_BYTES = 1 << 20;

    private final int numPartitions;
    private final Function<TopicPartition, Optional<PartitionLog>> logs;
    private final ReplicatedAppender appender;

    /**
     * @param logs     the local logs, read at load
     * @param appender writes as the partition's leader, acknowledged once replicated
     */
    TransactionStateStore(int numPartitions, Function<TopicPartition, Optional<PartitionLog>> logs,
                          ReplicatedAppender appender) {
        this.numPartitions = numPartitions;
        this.logs = logs;
        this.appender = appender;
    }

    int numPartitions() {
        return numPartitions;
    }

    int partitionFor(String transactionalId) {
        return TransactionLogRecords.partitionFor(transactionalId, numPartitions);
    }

    private static TopicPartition tp(int partition) {
        return new TopicPartition(Topic.TRANSACTION_STATE_TOPIC_NAME, partition);
    }

    /**
     * Appends the id's new metadata as the partition's leader (a tombstone when it is Dead); throws if
     * the log refuses it. The future completes with NONE once the record is replicated (or the error
     * that prevented that): callers install the metadata only then.
     */
    CompletableFuture<Errors> append(TransactionMetadata txn) {
        SimpleRecord record = new SimpleRecord(txn.txnLastUpdateTimestamp(),
                TransactionLogRecords.key(txn.transactionalId()), TransactionLogRecords.valueFor(txn));
        return appender.append(tp(partitionFor(txn.transactionalId())),
                MemoryRecords.withRecords(Compression.NONE, record)).replicated();
    }

    /** Replays a partition: the latest metadata of every transactional id in it (tombstones remove). */
    Map<String, TransactionMetadata> load(int partition) {
        PartitionLog partitionLog = logs.apply(tp(partition)).orElseThrow(() ->
                new IllegalStateException("No local log of " + tp(partition)));
        Map<String, TransactionMetadata> out = new HashMap<>();
        long next = partitionLog.logStartOffset();
        long end = partitionLog.logEndOffset();
        while (next < end) {
            ReadResult read = partitionLog.read(next, READ_CHUNK_BYTES, true);
            long before = next;
            for (RecordBatch batch : read.records().batches()) {
                if (batch.nextOffset() <= next) {
                    continue;
                }
                if (!batch.isControlBatch()) {
                    for (Record record : batch) {
                        if (record.offset() >= next && record.hasKey()) {
                            apply(out, record, partition);
                        }
                    }
                }
                next = batch.nextOffset();
            }
            if (next == before) {
                break;
            }
        }
        return out;
    }

    private static void apply(Map<String, TransactionMetadata> out, Record record, int partition) {
        try {
            String id = TransactionLogRecords.readKey(record.key());
            if (record.hasValue()) {
                out.put(id, TransactionLogRecords.readValue(id, record.value()));
            } else {
                out.remove(id);
            }
        } catch (IllegalArgumentException e) {
            // A record we cannot read must not stop the coordinator from loading every other id.
            log.error("Skipping unreadable record at offset {} of {}-{}: {}", record.offset(),
                    Topic.TRANSACTION_STATE_TOPIC_NAME, partition, e.getMessage());
        }
    }
}
