package io.sluice.broker.api;

import io.sluice.broker.cluster.ProducerIdBlocks;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId for idempotent producers (no transactional id): a fresh producer id at epoch 0.
 * Transactional producers are answered by the transaction coordinator once it exists; until then
 * they get COORDINATOR_NOT_AVAILABLE.
 */
public final class InitProducerIdHandler implements ApiHandler {
    private final ProducerIdBlocks producerIds;

    public InitProducerIdHandler(ProducerIdBlocks producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        InitProducerIdRequestData data = request.body(InitProducerIdRequest.class).data();
        InitProducerIdResponseData out = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (data.transactionalId() != null) {
            out.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        } else {
            out.setErrorCode(Errors.NONE.code()).setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0);
        }
        return CompletableFuture.completedFuture(new InitProducerIdResponse(out));
    }
}
