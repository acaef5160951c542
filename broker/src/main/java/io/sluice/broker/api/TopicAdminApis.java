package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** CreateTopics, DeleteTopics, CreatePartitions. */
public final class TopicAdminApis {
    private final TopicRegistry topics;
    private final BrokerConfig config;

    public TopicAdminApis(TopicRegistry topics, BrokerConfig config) {
        this.topics = topics;
        this.config = config;
    }

    public void registerApis(ApiRouter router) {
        router.register(ApiKeys.CREATE_TOPICS, this::createTopics);
        router.register(ApiKeys.DELETE_TOPICS, this::deleteTopics);
        router.register(ApiKeys.CREATE_PARTITIONS, this::createPartitions);
    }

    static ApiError error(RuntimeException e) {
        if (e instanceof ConfigException) {
            return new ApiError(Errors.INVALID_CONFIG, e.getMessage());
        }
        return ApiError.fromThrowable(e);
    }

    /**
     * Answers once every created topic has leaders or the request's timeout passed, as Kafka does: a topic
     * still without a leader for some partition then answers REQUEST_TIMED_OUT (it exists nonetheless), and
     * with {@code timeoutMs <= 0} nothing is waited for. The request thread is released at once; the wait
     * happens on a timer.
     */
    private CompletableFuture<org.apache.kafka.common.requests.AbstractResponse> createTopics(ApiRequest request) {
        CreateTopicsRequestData data = request.body(CreateTopicsRequest.class).data();
        CreateTopicsResponseData out = new CreateTopicsResponseData();
        // Results with the future telling whether their leaders came in time (a list: results are mutable keys).
        List<Map.Entry<CreatableTopicResult, CompletableFuture<Boolean>>> leaders = new ArrayList<>();
        for (CreateTopicsRequestData.CreatableTopic t : data.topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(t.name());
            try {
                Map<String, String> configs = new HashMap<>();
                t.configs().forEach(c -> configs.put(c.name(), c.value()));
                TopicInfo created = create(t, configs, data.validateOnly());
                result.setErrorCode(Errors.NONE.code())
                        .setTopicId(created.id())
                        .setNumPartitions(created.partitionCount())
                        .setReplicationFactor(created.replicationFactor());
                LogConfig logConfig = LogConfig.of(config, configs);
                logConfig.describe().forEach((k, v) -> result.configs().add(new CreatableTopicConfigs()
                        .setName(k).setValue(v).setReadOnly(false)
                        .setConfigSource((configs.containsKey(k)
                                ? DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG
                                : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG).id())));
                if (!data.validateOnly() && data.timeoutMs() > 0) {
                    leaders.add(Map.entry(result,
                            topics.leadersElected(created, Math.min(data.timeoutMs(), LEADER_WAIT_MS))));
                }
            } catch (RuntimeException e) {
                ApiError err = error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message())
                        .setNumPartitions(-1).setReplicationFactor((short) -1);
            }
            out.topics().add(result);
        }
        return CompletableFuture.allOf(leaders.stream().map(Map.Entry::getValue).toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    for (Map.Entry<CreatableTopicResult, CompletableFuture<Boolean>> e : leaders) {
                        if (!e.getValue().join()) {
                            e.getKey().setErrorCode(Errors.REQUEST_TIMED_OUT.code()).setErrorMessage("Topic "
                                    + e.getKey().name() + " was created but not every partition had a leader in time");
                        }
                    }
                    return new CreateTopicsResponse(out);
                });
    }

    /** Kafka's own upper bound on how long CreateTopics waits for the new topics' leaders. */
    private static final long LEADER_WAIT_MS = 5_000;

    private TopicInfo create(CreateTopicsRequestData.CreatableTopic t, Map<String, String> configs, boolean validateOnly) {
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1) {
                throw new InvalidRequestException("A manual partition assignment was specified, but numPartitions "
                        + "was not set to -1.");
            }
            if (t.replicationFactor() != -1) {
                throw new InvalidRequestException("A manual partition assignment was specified, but replicationFactor "
                        + "was not set to -1.");
            }
            Map<Integer, List<Integer>> assignment = new HashMap<>();
            for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                if (assignment.put(a.partitionIndex(), a.brokerIds()) != null) {
                    throw new InvalidReplicaAssignmentException("Found multiple manual partition assignments for "
                            + "partition " + a.partitionIndex());
                }
            }
            return topics.create(t.name(), assignment, configs, validateOnly);
        }
        int partitions = t.numPartitions() == -1 ? config.getInt(BrokerConfig.NUM_PARTITIONS) : t.numPartitions();
        short rf = t.replicationFactor() == -1 ? config.getShort(BrokerConfig.DEFAULT_REPLICATION_FACTOR) : t.replicationFactor();
        return topics.create(t.name(), partitions, rf, configs, validateOnly);
    }

    private CompletableFuture<org.apache.kafka.common.requests.AbstractResponse> deleteTopics(ApiRequest request) {
        DeleteTopicsRequestData data = request.body(DeleteTopicsRequest.class).data();
        DeleteTopicsResponseData out = new DeleteTopicsResponseData();
        java.util.List<DeleteTopicsRequestData.DeleteTopicState> targets = new java.util.ArrayList<>(data.topics());
        data.topicNames().forEach(n -> targets.add(new DeleteTopicsRequestData.DeleteTopicState().setName(n)));
        for (DeleteTopicsRequestData.DeleteTopicState target : targets) {
            DeletableTopicResult result = new DeletableTopicResult().setName(target.name()).setTopicId(target.topicId());
            try {
                if (!config.getBoolean(BrokerConfig.DELETE_TOPIC_ENABLE)) {
                    throw new TopicDeletionDisabledException("Topic deletion is disabled (delete.topic.enable=false)");
                }
                String name = target.name();
                if (name == null) {
                    name = topics.get(target.topicId()).map(TopicInfo::name)
                            .orElseThrow(() -> new UnknownTopicIdException("Topic id " + target.topicId() + " does not exist"));
                    result.setName(name);
                }
                topics.get(name).ifPresent(t -> result.setTopicId(t.id()));
                topics.delete(name);
                result.setErrorCode(Errors.NONE.code());
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            out.responses().add(result);
        }
        return CompletableFuture.completedFuture(new DeleteTopicsResponse(out));
    }

    private CompletableFuture<org.apache.kafka.common.requests.AbstractResponse> createPartitions(ApiRequest request) {
        CreatePartitionsRequestData data = request.body(CreatePartitionsRequest.class).data();
        CreatePartitionsResponseData out = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : data.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            try {
                List<List<Integer>> assignments = t.assignments() == null ? null : t.assignments().stream()
                        .map(CreatePartitionsRequestData.CreatePartitionsAssignment::brokerIds).toList();
                topics.addPartitions(t.name(), t.count(), assignments, data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message());
            }
            out.results().add(result);
        }
        return CompletableFuture.completedFuture(new CreatePartitionsResponse(out));
    }
}
