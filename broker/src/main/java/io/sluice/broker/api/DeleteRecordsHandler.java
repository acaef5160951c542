package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** DeleteRecords: moves log start offsets forward; offset -1 means "up to the high watermark". */
public final class DeleteRecordsHandler implements ApiHandler {
    private final TopicRegistry topics;

    public DeleteRecordsHandler(TopicRegistry topics) {
        this.topics = topics;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DeleteRecordsRequestData data = request.body(DeleteRecordsRequest.class).data();
        DeleteRecordsResponseData out = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics()) {
            DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(topic.name());
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult()
                        .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                Optional<PartitionLog> log = topics.log(new TopicPartition(topic.name(), p.partitionIndex()));
                if (log.isEmpty()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    try {
                        long target = p.offset() == -1 ? log.get().highWatermark() : p.offset();
                        if (target < 0 || target > log.get().highWatermark()) {
                            result.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                        } else {
                            result.setLowWatermark(log.get().deleteRecordsBefore(target)).setErrorCode(Errors.NONE.code());
                        }
                    } catch (ApiException e) {
                        result.setErrorCode(Errors.forException(e).code());
                    }
                }
                topicResult.partitions().add(result);
            }
            out.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(new DeleteRecordsResponse(out));
    }
}
