package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId of a transactional producer, answered by the transaction coordinator (v6, KIP-939
 * two-phase commit, is not offered); an idempotent producer's goes to the plain handler.
 */
public final class TransactionalInitProducerIdHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final ApiHandler plainInitProducerId;

    public TransactionalInitProducerIdHandler(TransactionCoordinator coordinator, ApiHandler plainInitProducerId) {
        this.coordinator = coordinator;
        this.plainInitProducerId = plainInitProducerId;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        InitProducerIdRequestData d = request.body(InitProducerIdRequest.class).data();
        if (d.transactionalId() == null) {
            return plainInitProducerId.handle(request);
        }
        return coordinator.initProducerId(d.transactionalId(), d.transactionTimeoutMs(), d.producerId(),
                d.producerEpoch()).thenApply(result -> new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(TxnErrors.forVersion(result.error(), request.version(), (short) 4).code())
                .setProducerId(result.producerId())
                .setProducerEpoch(result.producerEpoch())));
    }
}
