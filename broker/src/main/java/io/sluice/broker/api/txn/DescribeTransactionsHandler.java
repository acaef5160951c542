package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.transactions.coordinator.TransactionMetadata;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

public final class DescribeTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : request.body(DescribeTransactionsRequest.class).data().transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState out =
                    new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id)
                            .setTransactionState("").setProducerId(-1).setProducerEpoch((short) -1)
                            .setTransactionStartTimeMs(-1);
            response.transactionStates().add(out);
            Errors error = coordinator.check(id);
            if (error != Errors.NONE) {
                out.setErrorCode(error.code());
                continue;
            }
            Optional<TransactionMetadata> found = coordinator.describe(id);
            if (found.isEmpty()) {
                out.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
                continue;
            }
            TransactionMetadata txn = found.get();
            out.setTransactionState(txn.state().displayName())
                    .setTransactionTimeoutMs(txn.timeoutMs())
                    .setTransactionStartTimeMs(txn.txnStartTimestamp())
                    .setProducerId(txn.producerId())
                    .setProducerEpoch(txn.producerEpoch());
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            txn.partitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            byTopic.forEach((topic, partitions) -> out.topics().add(
                    new DescribeTransactionsResponseData.TopicData().setTopic(topic).setPartitions(partitions)));
        }
        return CompletableFuture.completedFuture(new DescribeTransactionsResponse(response));
    }
}
