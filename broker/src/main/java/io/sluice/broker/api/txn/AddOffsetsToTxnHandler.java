package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/** AddOffsetsToTxn: adds the group's {@code __consumer_offsets} partition to the transaction. */
public final class AddOffsetsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final ToIntFunction<String> offsetsPartitionFor;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator, ToIntFunction<String> offsetsPartitionFor) {
        this.coordinator = coordinator;
        this.offsetsPartitionFor = offsetsPartitionFor;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        AddOffsetsToTxnRequestData d = request.body(AddOffsetsToTxnRequest.class).data();
        CompletableFuture<Errors> error;
        if (d.groupId() == null || d.groupId().isEmpty()) {
            error = CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
        } else {
            TopicPartition offsets = new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME,
                    offsetsPartitionFor.applyAsInt(d.groupId()));
            error = coordinator.addPartitions(d.transactionalId(), d.producerId(), d.producerEpoch(), Set.of(offsets))
                    .thenApply(e -> TxnErrors.forVersion(e, request.version(), (short) 2));
        }
        return error.thenApply(e -> new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(e.code())));
    }
}
