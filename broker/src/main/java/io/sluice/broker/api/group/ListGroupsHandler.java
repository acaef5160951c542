package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;

import java.util.concurrent.CompletableFuture;

public final class ListGroupsHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public ListGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        return CompletableFuture.completedFuture(
                new ListGroupsResponse(groups.listGroups(request.body(ListGroupsRequest.class).data())));
    }
}
