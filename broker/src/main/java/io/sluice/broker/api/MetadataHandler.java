package io.sluice.broker.api;

import io.sluice.broker.cluster.ClusterView;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.replication.ReplicaManager;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.function.IntSupplier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** Metadata: brokers, controller, topics with ids and partition leaders; creates unknown topics when allowed. */
public final class MetadataHandler implements ApiHandler {
    private final ClusterView cluster;
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final ReplicaManager replicas;
    private final IntSupplier controllerId;

    public MetadataHandler(ClusterView cluster, TopicRegistry topics, BrokerConfig config, ReplicaManager replicas,
                           IntSupplier controllerId) {
        this.cluster = cluster;
        this.topics = topics;
        this.config = config;
        this.replicas = replicas;
        this.controllerId = controllerId;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        MetadataRequestData data = request.body(MetadataRequest.class).data();
        List<Node> nodes = cluster.liveNodes();
        Set<Integer> liveIds = nodes.stream().map(Node::id).collect(Collectors.toSet());
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(controllerId.getAsInt() >= 0 ? controllerId.getAsInt() : cluster.controllerId());
        if (data.includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(AuthorizedOperations.CLUSTER);
        }
        for (Node node : nodes) {
            response.brokers().add(new MetadataResponseBroker()
                    .setNodeId(node.id()).setHost(node.host()).setPort(node.port()).setRack(node.rack()));
        }
        if (data.topics() == null) {
            topics.all().forEach(t -> response.topics().add(describe(t, liveIds)));
        } else {
            boolean autoCreate = data.allowAutoTopicCreation() && config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE);
            for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
                response.topics().add(lookup(requested, autoCreate, liveIds));
            }
        }
        if (data.includeTopicAuthorizedOperations()) {
            response.topics().forEach(t -> {
                if (t.errorCode() == Errors.NONE.code()) {
                    t.setTopicAuthorizedOperations(AuthorizedOperations.TOPIC);
                }
            });
        }
        return CompletableFuture.completedFuture(new MetadataResponse(response, request.version()));
    }

    private MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic requested, boolean autoCreate,
                                         Set<Integer> liveIds) {
        if (requested.name() == null) {
            Uuid id = requested.topicId();
            return topics.get(id).map(t -> describe(t, liveIds)).orElseGet(() -> new MetadataResponseTopic()
                    .setTopicId(id).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
        }
        String name = requested.name();
        Optional<TopicInfo> topic = topics.get(name);
        if (topic.isEmpty() && autoCreate && !Topic.isInternal(name)) {
            try {
                topic = Optional.of(topics.create(name, config.getInt(BrokerConfig.NUM_PARTITIONS),
                        config.getShort(BrokerConfig.DEFAULT_REPLICATION_FACTOR), Map.of(), false));
            } catch (TopicExistsException e) {
                topic = topics.get(name);
            } catch (ApiException e) {
                return new MetadataResponseTopic().setName(name).setErrorCode(Errors.forException(e).code());
            }
        }
        return topic.map(t -> describe(t, liveIds)).orElseGet(() -> new MetadataResponseTopic()
                .setName(name).setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
    }

    private MetadataResponseTopic describe(TopicInfo topic, Set<Integer> liveIds) {
        MetadataResponseTopic out = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(Topic.isInternal(topic.name()));
        for (int p = 0; p < topic.partitionCount(); p++) {
            List<Integer> replicas = topic.replicas().get(p);
            List<Integer> live = replicas.stream().filter(liveIds::contains).toList();
            List<Integer> offline = new ArrayList<>(replicas);
            offline.removeAll(live);
            Optional<PartitionState> state = this.replicas.state(new TopicPartition(topic.name(), p));
            int leader = state.map(PartitionState::leader).filter(liveIds::contains).orElse(-1);
            out.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(p)
                    .setErrorCode(leader < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                    .setLeaderId(leader)
                    .setLeaderEpoch(state.map(PartitionState::leaderEpoch).orElse(-1))
                    .setReplicaNodes(replicas)
                    .setIsrNodes(state.map(PartitionState::isr).orElse(List.of()))
                    .setOfflineReplicas(offline));
        }
        return out;
    }
}
