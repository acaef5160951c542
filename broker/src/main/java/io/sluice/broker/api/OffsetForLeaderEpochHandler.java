package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.log.LeaderEpochFileCache;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.replication.ReplicaManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetForLeaderEpoch (KIP-101/KIP-320), answered by the partition leader from its leader-epoch cache:
 * the largest epoch at or below the requested one and the offset where the next epoch began (the log
 * end for the current epoch). Followers use it to find where their log diverges from the leader's;
 * consumers to validate their position after a leader change.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final ReplicaManager replicas;

    public OffsetForLeaderEpochHandler(TopicRegistry topics, ReplicaManager replicas) {
        this.topics = topics;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        OffsetForLeaderEpochRequestData data = request.body(OffsetsForLeaderEpochRequest.class).data();
        OffsetForLeaderEpochResponseData out = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                result.partitions().add(lookup(new TopicPartition(topic.topic(), p.partition()), p.currentLeaderEpoch(),
                        p.leaderEpoch()));
            }
            out.topics().add(result);
        }
        return CompletableFuture.completedFuture(new OffsetsForLeaderEpochResponse(out));
    }

    private EpochEndOffset lookup(TopicPartition tp, int currentLeaderEpoch, int leaderEpoch) {
        EpochEndOffset out = new EpochEndOffset().setPartition(tp.partition())
                .setLeaderEpoch(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH)
                .setEndOffset(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET);
        Optional<PartitionLog> log = topics.log(tp);
        if (log.isEmpty()) {
            boolean exists = topics.get(tp.topic()).map(t -> tp.partition() < t.partitionCount()).orElse(false);
            return out.setErrorCode((exists ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
        }
        Errors leadership = replicas.checkLeader(tp, currentLeaderEpoch);
        if (leadership != Errors.NONE) {
            return out.setErrorCode(leadership.code());
        }
        LeaderEpochFileCache.EpochEndOffset end = log.get().endOffsetForEpoch(leaderEpoch);
        return out.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
    }
}
