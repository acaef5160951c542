package io.sluice.broker.api;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;

import java.util.concurrent.CompletableFuture;

/** ApiVersions: exactly the APIs and versions the router serves. */
public final class ApiVersionsHandler implements ApiHandler {
    private final ApiRouter router;

    public ApiVersionsHandler(ApiRouter router) {
        this.router = router;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        ApiVersionsRequest body = request.body(ApiVersionsRequest.class);
        ApiVersionsResponseData data = new ApiVersionsResponseData().setApiKeys(router.advertised());
        if (request.version() >= 3 && !body.isValid()) {
            data.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(new ApiVersionsResponse(data));
    }
}
