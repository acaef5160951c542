package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** OffsetFetch: one group (v0-7, the group's error on every partition for v0-1) or a batch (v8+). */
public final class OffsetFetchHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public OffsetFetchHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        OffsetFetchRequestData d = request.body(OffsetFetchRequest.class).data();
        short version = request.version();
        boolean useIds = OffsetFetchRequest.useTopicIds(version);
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version >= 8) {
            for (OffsetFetchRequestGroup g : d.groups()) {
                response.groups().add(groups.fetchOffsets(g.groupId(), g.topics(), useIds, d.requireStable()));
            }
            return CompletableFuture.completedFuture(new OffsetFetchResponse(response, version));
        }
        List<OffsetFetchRequestTopics> topics = null;
        if (d.topics() != null) {
            topics = new ArrayList<>();
            for (OffsetFetchRequestData.OffsetFetchRequestTopic t : d.topics()) {
                topics.add(new OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes()));
            }
        }
        OffsetFetchResponseGroup g = groups.fetchOffsets(d.groupId(), topics, false, version >= 7 && d.requireStable());
        Errors groupError = Errors.forCode(g.errorCode());
        response.setErrorCode(g.errorCode());
        for (OffsetFetchResponseTopics t : g.topics()) {
            OffsetFetchResponseData.OffsetFetchResponseTopic out = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                    .setName(t.name());
            for (OffsetFetchResponsePartitions p : t.partitions()) {
                out.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch())
                        .setMetadata(p.metadata())
                        // v0-1 have no group-level error: it is reported on every partition.
                        .setErrorCode(version < 2 && groupError != Errors.NONE ? groupError.code() : p.errorCode()));
            }
            response.topics().add(out);
        }
        return CompletableFuture.completedFuture(new OffsetFetchResponse(response, version));
    }
}
