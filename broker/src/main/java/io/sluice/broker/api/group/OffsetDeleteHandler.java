package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

public final class OffsetDeleteHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public OffsetDeleteHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        OffsetDeleteRequestData d = request.body(OffsetDeleteRequest.class).data();
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        d.topics().forEach(t -> t.partitions().forEach(p ->
                results.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.NONE)));
        return groups.deleteOffsets(d.groupId(), results).thenApply(error -> {
            OffsetDeleteResponseData response = new OffsetDeleteResponseData().setErrorCode(error.code());
            if (error == Errors.NONE) {
                for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : d.topics()) {
                    OffsetDeleteResponseData.OffsetDeleteResponseTopic rt =
                            new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
                    t.partitions().forEach(p -> rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(results.get(new TopicPartition(t.name(), p.partitionIndex())).code())));
                    response.topics().add(rt);
                }
            }
            return new OffsetDeleteResponse(response);
        });
    }
}
