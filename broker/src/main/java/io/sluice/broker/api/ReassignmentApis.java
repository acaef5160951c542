package io.sluice.broker.api;

import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.Reassignments;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * AlterPartitionReassignments and ListPartitionReassignments. A reassignment is recorded in ZooKeeper
 * ({@link Reassignments}) and answered at once; the controller carries it out (new replicas catch up
 * and join the ISR, leadership moves into the target, the old replicas go). A null replica list
 * cancels: the target becomes the original replicas again.
 */
public final class ReassignmentApis {
    private final TopicRegistry topics;
    private final ClusterStore store;

    public ReassignmentApis(TopicRegistry topics, ClusterStore store) {
        this.topics = topics;
        this.store = store;
    }

    public void registerApis(ApiRouter router) {
        router.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, this::alter)
                .register(ApiKeys.LIST_PARTITION_REASSIGNMENTS, this::list);
    }

    private CompletableFuture<AbstractResponse> alter(ApiRequest request) {
        AlterPartitionReassignmentsRequestData data = request.body(AlterPartitionReassignmentsRequest.class).data();
        Set<Integer> live = store.liveBrokers().stream().map(ClusterStore.BrokerRegistration::id).collect(Collectors.toSet());
        AlterPartitionReassignmentsResponseData out = new AlterPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code());
        for (AlterPartitionReassignmentsRequestData.ReassignableTopic t : data.topics()) {
            ReassignableTopicResponse topicResponse = new ReassignableTopicResponse().setName(t.name());
            Optional<TopicInfo> topic = topics.get(t.name());
            for (AlterPartitionReassignmentsRequestData.ReassignablePartition p : t.partitions()) {
                Errors error = alterOne(topic, new TopicPartition(t.name(), p.partitionIndex()), p.replicas(), live,
                        data.allowReplicationFactorChange());
                topicResponse.partitions().add(new ReassignablePartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(error.code()).setErrorMessage(error == Errors.NONE ? null : error.message()));
            }
            out.responses().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new AlterPartitionReassignmentsResponse(out));
    }

    private Errors alterOne(Optional<TopicInfo> topic, TopicPartition tp, List<Integer> target, Set<Integer> live,
                            boolean allowReplicationFactorChange) {
        if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().partitionCount()) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        List<Integer> current = topic.get().replicas().get(tp.partition());
        Optional<Reassignments.Reassignment> ongoing = Reassignments.read(store, tp);
        if (target == null) {
            if (ongoing.isEmpty()) {
                return Errors.NO_REASSIGNMENT_IN_PROGRESS;
            }
            Reassignments.write(store, tp, current, ongoing.get().original());
            return Errors.NONE;
        }
        if (target.isEmpty() || new HashSet<>(target).size() != target.size()) {
            return Errors.INVALID_REPLICA_ASSIGNMENT;
        }
        if (!live.containsAll(target)) {
            return Errors.INVALID_REPLICA_ASSIGNMENT;
        }
        List<Integer> original = ongoing.map(Reassignments.Reassignment::original).orElse(current);
        if (!allowReplicationFactorChange && target.size() != original.size()) {
            return Errors.INVALID_REPLICATION_FACTOR;
        }
        Reassignments.write(store, tp, current, target);
        return Errors.NONE;
    }

    private CompletableFuture<AbstractResponse> list(ApiRequest request) {
        ListPartitionReassignmentsRequestData data = request.body(ListPartitionReassignmentsRequest.class).data();
        Map<TopicPartition, Reassignments.Reassignment> all = Reassignments.all(store);
        Set<TopicPartition> wanted = null;
        if (data.topics() != null) {
            wanted = new HashSet<>();
            for (ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics t : data.topics()) {
                for (Integer p : t.partitionIndexes()) {
                    wanted.add(new TopicPartition(t.name(), p));
                }
            }
        }
        Map<String, OngoingTopicReassignment> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Reassignments.Reassignment> e : all.entrySet()) {
            TopicPartition tp = e.getKey();
            Optional<TopicInfo> topic = topics.get(tp.topic());
            if ((wanted != null && !wanted.contains(tp)) || topic.isEmpty() || tp.partition() >= topic.get().partitionCount()) {
                continue;
            }
            Reassignments.Reassignment r = e.getValue();
            byTopic.computeIfAbsent(tp.topic(), n -> new OngoingTopicReassignment().setName(n)).partitions()
                    .add(new OngoingPartitionReassignment().setPartitionIndex(tp.partition())
                            .setReplicas(topic.get().replicas().get(tp.partition()))
                            .setAddingReplicas(r.adding()).setRemovingReplicas(r.removing()));
        }
        return CompletableFuture.completedFuture(new ListPartitionReassignmentsResponse(
                new ListPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code())
                        .setTopics(new java.util.ArrayList<>(byTopic.values()))));
    }
}
