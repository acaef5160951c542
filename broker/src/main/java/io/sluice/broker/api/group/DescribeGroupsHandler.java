package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;

import java.util.concurrent.CompletableFuture;

public final class DescribeGroupsHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public DescribeGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String groupId : request.body(DescribeGroupsRequest.class).data().groups()) {
            response.groups().add(groups.describeGroup(groupId, request.version()));
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(response));
    }
}
