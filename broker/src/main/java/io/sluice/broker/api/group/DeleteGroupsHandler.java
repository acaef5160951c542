package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** DeleteGroups: answered once every deletion is replicated; a group named twice is answered once. */
public final class DeleteGroupsHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public DeleteGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        List<CompletableFuture<Void>> deletions = new ArrayList<>();
        for (String groupId : request.body(DeleteGroupsRequest.class).data().groupsNames()) {
            if (response.results().find(groupId) != null) {
                continue;
            }
            DeleteGroupsResponseData.DeletableGroupResult result =
                    new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId);
            response.results().add(result);
            deletions.add(groups.deleteGroup(groupId).thenAccept(error -> result.setErrorCode(error.code())));
        }
        return CompletableFuture.allOf(deletions.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> new DeleteGroupsResponse(response));
    }
}
