package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** AddPartitionsToTxn v0-3: one transaction per request (v4+ batches belong to KIP-890). */
public final class AddPartitionsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final TopicRegistry topics;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicRegistry topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        AddPartitionsToTxnRequestData d = request.body(AddPartitionsToTxnRequest.class).data();
        List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(d.v3AndBelowTopics());
        Set<TopicPartition> unknown = new HashSet<>();
        for (TopicPartition tp : partitions) {
            Optional<TopicInfo> topic = topics.get(tp.topic());
            if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().partitionCount()) {
                unknown.add(tp);
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> errors;
        if (!unknown.isEmpty()) {
            // As Kafka: nothing is added when any partition is unknown.
            Map<TopicPartition, Errors> out = new LinkedHashMap<>();
            partitions.forEach(tp -> out.put(tp, unknown.contains(tp) ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                    : Errors.OPERATION_NOT_ATTEMPTED));
            errors = CompletableFuture.completedFuture(out);
        } else {
            errors = coordinator.addPartitions(d.v3AndBelowTransactionalId(), d.v3AndBelowProducerId(),
                    d.v3AndBelowProducerEpoch(), new HashSet<>(partitions)).thenApply(e -> {
                        Errors error = TxnErrors.forVersion(e, request.version(), (short) 2);
                        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
                        partitions.forEach(tp -> out.put(tp, error));
                        return out;
                    });
        }
        return errors.thenApply(out -> new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData()
                .setResultsByTopicV3AndBelow(AddPartitionsToTxnResponse.resultForTransaction(
                        AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, out).topicResults())));
    }
}
