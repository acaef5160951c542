package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.util.concurrent.CompletableFuture;

/** SyncGroup: a follower's answer waits for the leader's assignment. */
public final class SyncGroupHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public SyncGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        return groups.syncGroup(request.body(SyncGroupRequest.class).data()).thenApply(SyncGroupResponse::new);
    }
}
