package io.sluice.broker.replication;

import io.sluice.broker.log.AppendResult;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * How coordinators (groups, transactions) write their records: appended now, as the partition's
 * leader with acks=all, and acknowledged only once the in-sync replicas hold them, so that a record a
 * client was answered about survives the loss of the leader.
 */
public interface ReplicatedAppender {

    /**
     * Appends {@code records} to {@code tp} as its leader.
     *
     * @return where the records landed and a future completing with NONE once they are replicated, or
     * with the error that stopped that (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
     * REQUEST_TIMED_OUT); never completes exceptionally
     * @throws org.apache.kafka.common.errors.ApiException when the append is refused outright (not the
     *                                                     leader, ISR below min.insync.replicas, bad batch)
     */
    Appended append(TopicPartition tp, MemoryRecords records);

    record Appended(AppendResult result, CompletableFuture<Errors> replicated) {
    }

    /** Straight into a local log, acknowledged at once: for a coordinator without replication (unit tests). */
    static ReplicatedAppender local(Function<TopicPartition, Optional<PartitionLog>> logs) {
        return (tp, records) -> {
            PartitionLog log = logs.apply(tp).orElseThrow(() ->
                    new org.apache.kafka.common.errors.NotLeaderOrFollowerException("No local log for " + tp));
            return new Appended(log.append(records, Math.max(0, log.latestEpoch())),
                    CompletableFuture.completedFuture(Errors.NONE));
        };
    }
}
