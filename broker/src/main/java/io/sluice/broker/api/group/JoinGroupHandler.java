package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;

import java.util.concurrent.CompletableFuture;

/** JoinGroup: the answer may wait for the rebalance to complete. */
public final class JoinGroupHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public JoinGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        short version = request.version();
        String clientHost = request.clientAddress() == null ? "" : request.clientAddress().toString();
        return groups.joinGroup(request.body(JoinGroupRequest.class).data(), version, request.clientId(), clientHost)
                .thenApply(r -> {
                    if (version < 7 && r.protocolName() == null) {
                        r.setProtocolName("");
                    }
                    return new JoinGroupResponse(r, version);
                });
    }
}
