package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;

import java.util.concurrent.CompletableFuture;

public final class HeartbeatHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public HeartbeatHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        return CompletableFuture.completedFuture(new HeartbeatResponse(new HeartbeatResponseData()
                .setErrorCode(groups.heartbeat(request.body(HeartbeatRequest.class).data()).code())));
    }
}
