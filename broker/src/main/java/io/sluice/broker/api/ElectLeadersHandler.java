package io.sluice.broker.api;

import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.ClusterView;
import io.sluice.broker.cluster.Controller;
import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.replication.ReplicaManager;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * ElectLeaders, preferred elections only: partitions whose preferred (first) replica is live and in the
 * ISR are handed to the controller, and the response waits (up to the request's timeout) until the
 * partition states show the new leaders. Unclean elections are refused per partition
 * (INVALID_REQUEST); {@code unclean.leader.election.enable} covers that case.
 */
public final class ElectLeadersHandler implements ApiHandler {
    private static final byte PREFERRED = 0;

    private final TopicRegistry topics;
    private final ReplicaManager replicas;
    private final ClusterView cluster;
    private final ClusterStore store;

    public ElectLeadersHandler(TopicRegistry topics, ReplicaManager replicas, ClusterView cluster, ClusterStore store) {
        this.topics = topics;
        this.replicas = replicas;
        this.cluster = cluster;
        this.store = store;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        ElectLeadersRequestData data = request.body(ElectLeadersRequest.class).data();
        List<TopicPartition> asked = new ArrayList<>();
        if (data.topicPartitions() == null) {
            for (TopicInfo t : topics.all()) {
                for (int p = 0; p < t.partitionCount(); p++) {
                    asked.add(new TopicPartition(t.name(), p));
                }
            }
        } else {
            for (ElectLeadersRequestData.TopicPartitions t : data.topicPartitions()) {
                t.partitions().forEach(p -> asked.add(new TopicPartition(t.topic(), p)));
            }
        }
        Set<Integer> live = cluster.liveNodes().stream().map(Node::id).collect(Collectors.toSet());
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        Map<TopicPartition, Integer> pending = new LinkedHashMap<>();
        for (TopicPartition tp : asked) {
            Optional<TopicInfo> topic = topics.get(tp.topic());
            if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().partitionCount()) {
                results.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                continue;
            }
            if (data.electionType() != PREFERRED) {
                results.put(tp, Errors.INVALID_REQUEST);
                continue;
            }
            int preferred = topic.get().replicas().get(tp.partition()).get(0);
            Optional<PartitionState> state = replicas.state(tp);
            if (state.isPresent() && state.get().leader() == preferred) {
                results.put(tp, Errors.ELECTION_NOT_NEEDED);
            } else if (state.isEmpty() || !live.contains(preferred) || !state.get().isr().contains(preferred)) {
                results.put(tp, Errors.PREFERRED_LEADER_NOT_AVAILABLE);
            } else {
                pending.put(tp, preferred);
                results.put(tp, Errors.REQUEST_TIMED_OUT);
            }
        }
        CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
        if (!pending.isEmpty()) {
            Controller.requestPreferredElection(store, pending.keySet());
        }
        long deadline = System.currentTimeMillis() + Math.max(0, data.timeoutMs());
        awaitLeaders(pending, results, deadline, response);
        return response;
    }

    /** Polls the partition states on a delayed executor (no thread sleeps) until done or the deadline. */
    private void awaitLeaders(Map<TopicPartition, Integer> pending, Map<TopicPartition, Errors> results, long deadline,
                              CompletableFuture<AbstractResponse> response) {
        pending.entrySet().removeIf(e -> {
            boolean elected = replicas.state(e.getKey()).map(s -> s.leader() == e.getValue()).orElse(false);
            if (elected) {
                results.put(e.getKey(), Errors.NONE);
            }
            return elected;
        });
        if (pending.isEmpty() || System.currentTimeMillis() >= deadline) {
            response.complete(build(results));
            return;
        }
        CompletableFuture.runAsync(() -> awaitLeaders(pending, results, deadline, response),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
    }

    private static ElectLeadersResponse build(Map<TopicPartition, Errors> results) {
        Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
        results.forEach((tp, error) -> byTopic.computeIfAbsent(tp.topic(), t -> new ReplicaElectionResult().setTopic(t))
                .partitionResult().add(new PartitionResult().setPartitionId(tp.partition()).setErrorCode(error.code())
                        .setErrorMessage(error == Errors.NONE ? null : error.message())));
        return new ElectLeadersResponse(new ElectLeadersResponseData().setErrorCode(Errors.NONE.code())
                .setReplicaElectionResults(new ArrayList<>(byTopic.values())));
    }
}
