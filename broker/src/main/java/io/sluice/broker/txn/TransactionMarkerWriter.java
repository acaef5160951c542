package io.sluice.broker.txn;

import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Writes a transaction's commit/abort marker (a control batch of the producer) to one partition:
 * appended here when this broker leads the partition, otherwise sent to its leader with
 * WriteTxnMarkers (one {@link MarkerChannel} per broker). Either way the marker counts as written once
 * the partition's in-sync replicas hold it. After a marker lands in {@code __consumer_offsets} the
 * local group coordinator is told, so that the transaction's offsets become visible or are dropped.
 */
public final class TransactionMarkerWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionMarkerWriter.class);

    /** Called after a marker was written to a {@code __consumer_offsets} partition this broker leads. */
    interface OffsetsMarkerListener {
        void onTxnMarker(int offsetsPartition, long producerId, boolean commit);
    }

    private final int localBrokerId;
    /** The partition's leader (-1 while it has none); empty when the partition does not exist. */
    private final Function<TopicPartition, OptionalInt> leaderOf;
    private final IntFunction<Optional<Node>> liveNodes;
    private final ReplicatedAppender appender;
    private final OffsetsMarkerListener offsetsListener;
    private final Clock clock;
    private final int requestTimeoutMs;
    private final Map<Integer, MarkerChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    TransactionMarkerWriter(int localBrokerId, Function<TopicPartition, OptionalInt> leaderOf,
                            IntFunction<Optional<Node>> liveNodes, ReplicatedAppender appender,
                            OffsetsMarkerListener offsetsListener, Clock clock, int requestTimeoutMs) {
        this.localBrokerId = localBrokerId;
        this.leaderOf = leaderOf;
        this.liveNodes = liveNodes;
        this.appender = appender;
        this.offsetsListener = offsetsListener;
        this.clock = clock;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    public boolean partitionExists(TopicPartition tp) {
        return leaderOf.apply(tp).isPresent();
    }

    /** Writes the marker wherever the partition's leader is; completes with the partition's error. */
    CompletableFuture<Errors> write(MarkerChannel.Marker marker) {
        OptionalInt leader = leaderOf.apply(marker.tp());
        if (leader.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        int leaderId = leader.getAsInt();
        if (leaderId < 0) {
            return CompletableFuture.completedFuture(Errors.LEADER_NOT_AVAILABLE);
        }
        if (leaderId == localBrokerId) {
            return writeLocal(marker);
        }
        if (closed) {
            return CompletableFuture.completedFuture(Errors.BROKER_NOT_AVAILABLE);
        }
        return channels.computeIfAbsent(leaderId, this::openChannel).send(marker);
    }

    private MarkerChannel openChannel(int brokerId) {
        return new MarkerChannel(localBrokerId, brokerId, () -> liveNodes.apply(brokerId), requestTimeoutMs,
                idle -> channels.remove(brokerId, idle));
    }

    /** {@link #writeLocal(MarkerChannel.Marker)} for another broker's WriteTxnMarkers. */
    public CompletableFuture<Errors> writeLocal(TopicPartition tp, long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch) {
        return writeLocal(new MarkerChannel.Marker(tp, producerId, producerEpoch, commit, coordinatorEpoch));
    }

    /**
     * Appends the marker to a partition this broker leads (for this broker's coordinator, or for
     * another's WriteTxnMarkers); completes once it is replicated, or with the error that stopped it.
     */
    CompletableFuture<Errors> writeLocal(MarkerChannel.Marker marker) {
        TopicPartition tp = marker.tp();
        EndTransactionMarker control = new EndTransactionMarker(
                marker.commit() ? ControlRecordType.COMMIT : ControlRecordType.ABORT, marker.coordinatorEpoch());
        CompletableFuture<Errors> replicated;
        try {
            replicated = appender.append(tp, MemoryRecords.withEndTransactionMarker(clock.millis(),
                    marker.producerId(), marker.producerEpoch(), control)).replicated();
        } catch (ApiException e) {
            log.debug("Marker for {} of producer {} refused: {}", tp, marker.producerId(), e.getMessage());
            return CompletableFuture.completedFuture(Errors.forException(e));
        }
        if (!Topic.GROUP_METADATA_TOPIC_NAME.equals(tp.topic())) {
            return replicated;
        }
        return replicated.thenApply(error -> {
            if (error == Errors.NONE) {
                offsetsListener.onTxnMarker(tp.partition(), marker.producerId(), marker.commit());
            }
            return error;
        });
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(MarkerChannel::close);
        channels.clear();
    }
}
