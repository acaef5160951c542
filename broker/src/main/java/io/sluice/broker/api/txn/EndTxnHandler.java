package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;

import java.util.concurrent.CompletableFuture;

/** EndTxn: commits or aborts the producer's ongoing transaction. */
public final class EndTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        EndTxnRequestData d = request.body(EndTxnRequest.class).data();
        return coordinator.endTxn(d.transactionalId(), d.producerId(), d.producerEpoch(), d.committed())
                .thenApply(e -> new EndTxnResponse(new EndTxnResponseData()
                        .setErrorCode(TxnErrors.forVersion(e, request.version(), (short) 2).code())));
    }
}
