package io.sluice.broker.txn;

import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * Writes a transaction's commit/abort marker (a control batch of the producer) to one partition. All
 * partitions are local on a single node, so markers are appended directly instead of being sent with
 * WriteTxnMarkers. After a marker lands in {@code __consumer_offsets} the group coordinator is told, so
 * that the transaction's offsets become visible or are dropped. Fetches parked on the partition are
 * woken by the log's own append listeners.
 */
final class TransactionMarkerWriter {
    /** Coordinator epoch in markers: the leader epoch of the __transaction_state partition, 0 until leadership exists. */
    static final int COORDINATOR_EPOCH = 0;
    private static final int LEADER_EPOCH = 0;

    /** Called after a marker was written to a {@code __consumer_offsets} partition. */
    interface OffsetsMarkerListener {
        void onTxnMarker(int offsetsPartition, long producerId, boolean commit);
    }

    /**
     * Writes a marker batch to a partition this broker hosts, as its leader (so that followers copy it
     * rather than diverge); false when the partition is not hosted here. Throws when it cannot be
     * written now (e.g. not the leader yet), which leaves the marker to be retried.
     */
    @FunctionalInterface
    public interface MarkerAppender {
        boolean append(TopicPartition tp, MemoryRecords marker);

        /** Straight into the local log: for a broker without replication (unit tests). */
        static MarkerAppender local(Function<TopicPartition, Optional<PartitionLog>> logs) {
            return (tp, marker) -> {
                Optional<PartitionLog> partitionLog = logs.apply(tp);
                partitionLog.ifPresent(l -> l.append(marker, LEADER_EPOCH));
                return partitionLog.isPresent();
            };
        }
    }

    private final MarkerAppender appender;
    private final OffsetsMarkerListener offsetsListener;
    private final Clock clock;

    TransactionMarkerWriter(MarkerAppender appender, OffsetsMarkerListener offsetsListener, Clock clock) {
        this.appender = appender;
        this.offsetsListener = offsetsListener;
        this.clock = clock;
    }

    /**
     * Appends the marker; returns false when the partition no longer exists here (deleted topic), which
     * leaves nothing to mark. Throws if the log refuses the append.
     */
    boolean write(TopicPartition tp, long producerId, short producerEpoch, boolean commit) {
        EndTransactionMarker marker = new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                COORDINATOR_EPOCH);
        if (!appender.append(tp, MemoryRecords.withEndTransactionMarker(clock.millis(), producerId, producerEpoch, marker))) {
            return false;
        }
        if (Topic.GROUP_METADATA_TOPIC_NAME.equals(tp.topic())) {
            offsetsListener.onTxnMarker(tp.partition(), producerId, commit);
        }
        return true;
    }
}
