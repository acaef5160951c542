package io.sluice.broker.api.group;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetCommit: answered once the offsets are replicated; per partition, an unknown topic id or
 * metadata longer than {@code offset.metadata.max.bytes} fails only that partition.
 */
public final class OffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public OffsetCommitHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        OffsetCommitRequestData d = request.body(OffsetCommitRequest.class).data();
        short version = request.version();
        boolean useIds = OffsetCommitResponse.useTopicIds(version);
        long now = groups.now();
        long expireTimestamp = d.retentionTimeMs() > 0 ? now + d.retentionTimeMs() : -1;

        Map<TopicPartition, CommittedOffset> toCommit = new LinkedHashMap<>();
        Map<TopicPartition, Errors> errors = new HashMap<>();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        // Response skeleton in request order; errors are filled in at the end.
        List<Runnable> fill = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : d.topics()) {
            String name = useIds ? groups.topicIds().name(topic.topicId()) : topic.name();
            OffsetCommitResponseData.OffsetCommitResponseTopic out = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                    .setName(topic.name()).setTopicId(topic.topicId());
            response.topics().add(out);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(name == null ? "" : name, p.partitionIndex());
                if (name == null) {
                    fill.add(() -> out.partitions().add(partitionResult(p.partitionIndex(), Errors.UNKNOWN_TOPIC_ID)));
                    continue;
                }
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                Errors refused = groups.commitError(tp, metadata);
                if (refused != Errors.NONE) {
                    errors.put(tp, refused);
                } else {
                    toCommit.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, now,
                            expireTimestamp));
                }
                fill.add(() -> out.partitions().add(partitionResult(p.partitionIndex(),
                        errors.getOrDefault(tp, Errors.NONE))));
            }
        }
        return groups.commitOffsets(d.groupId(), d.memberId(), d.groupInstanceId(), d.generationIdOrMemberEpoch(), toCommit)
                .thenApply(error -> {
                    if (error != Errors.NONE) {
                        toCommit.keySet().forEach(tp -> errors.put(tp, error));
                    }
                    fill.forEach(Runnable::run);
                    return new OffsetCommitResponse(response);
                });
    }

    private static OffsetCommitResponseData.OffsetCommitResponsePartition partitionResult(int partition, Errors error) {
        return new OffsetCommitResponseData.OffsetCommitResponsePartition()
                .setPartitionIndex(partition).setErrorCode(error.code());
    }
}
