package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** LeaveGroup: one member (v0-2) or a batch of them (v3+, KIP-345). */
public final class LeaveGroupHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public LeaveGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        LeaveGroupRequest body = request.body(LeaveGroupRequest.class);
        List<MemberResponse> responses = new ArrayList<>();
        Errors topLevel = groups.leaveGroup(body.data().groupId(), body.members(), responses);
        return CompletableFuture.completedFuture(new LeaveGroupResponse(responses, topLevel, 0, request.version()));
    }
}
