package io.sluice.broker.api.group;

import io.sluice.broker.api.AuthorizedOperations;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.Errors;
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
        DescribeGroupsRequestData data = request.body(DescribeGroupsRequest.class).data();
        for (String groupId : data.groups()) {
            DescribedGroup described = groups.describeGroup(groupId, request.version());
            if (data.includeAuthorizedOperations() && described.errorCode() == Errors.NONE.code()) {
                described.setAuthorizedOperations(AuthorizedOperations.GROUP);
            }
            response.groups().add(described);
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(response));
    }
}
