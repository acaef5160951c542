package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionMarkerWriter;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * WriteTxnMarkers, sent by the transaction coordinator of another broker: appends each marker to the
 * partition as its leader and answers once the in-sync replicas hold it (Kafka appends markers with
 * acks=all too), with an error per partition — NOT_LEADER_OR_FOLLOWER when leadership moved, which
 * sends the coordinator to the new leader.
 */
public final class WriteTxnMarkersHandler implements ApiHandler {
    private final TransactionMarkerWriter markers;

    public WriteTxnMarkersHandler(TransactionMarkerWriter markers) {
        this.markers = markers;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        WriteTxnMarkersRequestData data = request.body(WriteTxnMarkersRequest.class).data();
        Map<Long, Map<TopicPartition, Errors>> errors = new HashMap<>();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (WriteTxnMarkersRequestData.WritableTxnMarker m : data.markers()) {
            Map<TopicPartition, Errors> byPartition = new java.util.concurrent.ConcurrentHashMap<>();
            errors.put(m.producerId(), byPartition);
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic topic : m.topics()) {
                for (int partition : topic.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition);
                    writes.add((markers.partitionExists(tp) ? markers.writeLocal(tp, m.producerId(), m.producerEpoch(),
                            m.transactionResult(), m.coordinatorEpoch())
                            : CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION))
                            .thenAccept(error -> byPartition.put(tp, error)));
                }
            }
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> new WriteTxnMarkersResponse(errors));
    }
}
