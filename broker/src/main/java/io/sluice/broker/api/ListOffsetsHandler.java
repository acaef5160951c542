package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.replication.ReplicaManager;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** ListOffsets: earliest, latest (the last stable offset under read_committed), max timestamp, by timestamp. */
public final class ListOffsetsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final ReplicaManager replicas;

    public ListOffsetsHandler(TopicRegistry topics, ReplicaManager replicas) {
        this.topics = topics;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        ListOffsetsRequest body = request.body(ListOffsetsRequest.class);
        boolean readCommitted = body.isolationLevel() == IsolationLevel.READ_COMMITTED;
        ListOffsetsResponseData out = new ListOffsetsResponseData();
        for (ListOffsetsTopic topic : body.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsPartition p : topic.partitions()) {
                topicResponse.partitions().add(lookup(new TopicPartition(topic.name(), p.partitionIndex()), p.timestamp(), readCommitted,
                        p.currentLeaderEpoch()));
            }
            out.topics().add(topicResponse);
        }
        if (request.version() < 4) {
            // Leader epochs exist in the response from v4 on; older clients (librdkafka asks for v2) get none.
            out.topics().forEach(t -> t.partitions().forEach(p -> p.setLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH)));
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponse(out));
    }

    private ListOffsetsPartitionResponse lookup(TopicPartition tp, long timestamp, boolean readCommitted,
                                                int currentLeaderEpoch) {
        ListOffsetsPartitionResponse out = new ListOffsetsPartitionResponse()
                .setPartitionIndex(tp.partition())
                .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP)
                .setOffset(ListOffsetsResponse.UNKNOWN_OFFSET)
                .setLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH);
        Optional<PartitionLog> found = topics.log(tp);
        if (found.isEmpty()) {
            boolean exists = topics.get(tp.topic()).map(t -> tp.partition() < t.partitionCount()).orElse(false);
            return out.setErrorCode((exists ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
        }
        Errors leadership = replicas.checkLeader(tp, currentLeaderEpoch);
        if (leadership != Errors.NONE) {
            return out.setErrorCode(leadership.code());
        }
        int epoch = replicas.leaderEpoch(tp).orElse(0);
        PartitionLog log = found.get();
        out.setErrorCode(Errors.NONE.code());
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            return out.setOffset(log.logStartOffset()).setLeaderEpoch(epoch);
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP || timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
            return out.setOffset(readCommitted ? log.lastStableOffset() : log.highWatermark()).setLeaderEpoch(epoch);
        }
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            Optional<TimestampAndOffset> max = log.offsetForMaxTimestamp();
            return max.map(m -> out.setTimestamp(m.timestamp).setOffset(m.offset).setLeaderEpoch(m.leaderEpoch.orElse(0)))
                    .orElse(out);
        }
        if (timestamp < 0) {
            return out.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        }
        Optional<TimestampAndOffset> at = log.offsetForTimestamp(timestamp);
        return at.map(m -> out.setTimestamp(m.timestamp).setOffset(m.offset).setLeaderEpoch(m.leaderEpoch.orElse(0)))
                .orElse(out);
    }
}
