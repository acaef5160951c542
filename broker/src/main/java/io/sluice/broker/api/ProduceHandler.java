package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.log.AppendResult;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.RecordValidationException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.CloseConnection;
import io.sluice.broker.replication.ReplicaManager;
import java.util.concurrent.CompletableFuture;

/**
 * Produce: validate and append each partition's batches; acks=0 gets no response. Errors are per
 * partition: a producer's retry of batches already written is a success carrying the original base
 * offset; sequence gaps, stale epochs and writes outside an open transaction come back as
 * OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH and INVALID_TXN_STATE (Kafka answers a stale
 * epoch with INVALID_PRODUCER_EPOCH rather than PRODUCER_FENCED since 2.7, so that a transactional
 * client aborts and retries instead of failing fatally).
 */
public final class ProduceHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final TopicRegistry topics;
    private final ReplicaManager replicas;

    public ProduceHandler(TopicRegistry topics, ReplicaManager replicas) {
        this.topics = topics;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        ProduceRequestData data = request.body(ProduceRequest.class).data();
        if (data.acks() != 0 && data.acks() != 1 && data.acks() != -1) {
            return CompletableFuture.completedFuture(request.body().getErrorResponse(
                    new InvalidRequiredAcksException("acks must be -1, 0 or 1, not " + data.acks())));
        }
        ProduceResponseData response = new ProduceResponseData();
        boolean appended = false;
        Map<TopicPartition, Long> awaiting = new HashMap<>();
        Map<TopicPartition, PartitionProduceResponse> byPartition = new HashMap<>();
        for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
            Optional<TopicInfo> topic = topicData.name() != null && !topicData.name().isEmpty()
                    ? topics.get(topicData.name())
                    : topics.get(topicData.topicId());
            TopicProduceResponse topicResponse = new TopicProduceResponse()
                    .setName(topicData.name())
                    .setTopicId(topicData.topicId() == null ? Uuid.ZERO_UUID : topicData.topicId());
            for (ProduceRequestData.PartitionProduceData partitionData : topicData.partitionData()) {
                long[] lastOffset = {-1};
                PartitionProduceResponse partitionResponse = append(topic, topicData, partitionData, data.acks(),
                        lastOffset);
                appended |= partitionResponse.errorCode() == Errors.NONE.code();
                if (partitionResponse.errorCode() == Errors.NONE.code() && data.acks() == -1) {
                    TopicPartition tp = new TopicPartition(topic.get().name(), partitionData.index());
                    awaiting.put(tp, lastOffset[0] + 1);
                    byPartition.put(tp, partitionResponse);
                }
                topicResponse.partitionResponses().add(partitionResponse);
            }
            response.responses().add(topicResponse);
        }
        if (data.acks() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (appended && FaultInjection.takeProduceResponseDrop()) {
            log.warn("Fault injection: dropping the response to produce request {} from {}",
                    request.header().correlationId(), request.connectionId());
            return CompletableFuture.failedFuture(new CloseConnection("fault injection: produce response dropped"));
        }
        if (awaiting.isEmpty()) {
            return CompletableFuture.completedFuture(new ProduceResponse(response));
        }
        // acks=all: answer once the ISR has every appended batch (the high watermark passed it).
        return replicas.awaitReplication(awaiting, data.timeoutMs()).thenApply(outcome -> {
            outcome.forEach((tp, error) -> {
                if (error != Errors.NONE) {
                    byPartition.get(tp).setErrorCode(error.code()).setBaseOffset(-1)
                            .setErrorMessage(error.message());
                }
            });
            return new ProduceResponse(response);
        });
    }

    private PartitionProduceResponse append(Optional<TopicInfo> topic, ProduceRequestData.TopicProduceData topicData,
                                            ProduceRequestData.PartitionProduceData partitionData, short acks,
                                            long[] lastOffset) {
        PartitionProduceResponse out = new PartitionProduceResponse()
                .setIndex(partitionData.index())
                .setBaseOffset(-1)
                .setLogAppendTimeMs(-1)
                .setLogStartOffset(-1);
        if (topic.isEmpty()) {
            boolean byId = topicData.name() == null || topicData.name().isEmpty();
            return out.setErrorCode((byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
        }
        TopicPartition tp = new TopicPartition(topic.get().name(), partitionData.index());
        Optional<PartitionLog> partitionLog = topics.log(tp);
        if (partitionLog.isEmpty()) {
            return out.setErrorCode(partitionData.index() < topic.get().partitionCount()
                    ? Errors.NOT_LEADER_OR_FOLLOWER.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        try {
            MemoryRecords records = (MemoryRecords) partitionData.records();
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.isControlBatch()) {
                    // Markers are the transaction coordinator's to write, never a client's.
                    throw new InvalidRecordException("Produce requests may not carry control batches");
                }
            }
            AppendResult result = replicas.appendAsLeader(tp, records, acks);
            // Parked fetches hear of the append through the log's append listeners.
            lastOffset[0] = result.lastOffset();
            return out.setErrorCode(Errors.NONE.code())
                    .setBaseOffset(result.firstOffset())
                    .setLogAppendTimeMs(result.logAppendTime())
                    .setLogStartOffset(result.logStartOffset());
        } catch (RecordValidationException e) {
            // KIP-467: which records were refused and why; the request's other partitions go on.
            log.debug("Rejected produce to {}: {}", tp, e.getMessage());
            for (ProduceResponse.RecordError re : e.recordErrors()) {
                out.recordErrors().add(new ProduceResponseData.BatchIndexAndErrorMessage()
                        .setBatchIndex(re.batchIndex).setBatchIndexErrorMessage(re.message));
            }
            return out.setErrorCode(Errors.forException(e.error()).code()).setErrorMessage(e.getMessage());
        } catch (ApiException e) {
            Errors error = Errors.forException(e);
            log.debug("Rejected produce to {}: {}", tp, e.getMessage());
            return out.setErrorCode(error.code()).setErrorMessage(e.getMessage());
        }
    }
}
