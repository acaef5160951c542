package io.sluice.broker.api;

import io.sluice.broker.cluster.ClusterView;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;

import java.util.concurrent.CompletableFuture;

/** DescribeCluster: cluster id, controller and live brokers, as Metadata reports them. */
public final class DescribeClusterHandler implements ApiHandler {
    private final ClusterView cluster;

    public DescribeClusterHandler(ClusterView cluster) {
        this.cluster = cluster;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DescribeClusterRequest body = request.body(DescribeClusterRequest.class);
        DescribeClusterResponseData out = new DescribeClusterResponseData()
                .setErrorCode(Errors.NONE.code())
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setEndpointType(body.data().endpointType());
        if (body.data().includeClusterAuthorizedOperations()) {
            out.setClusterAuthorizedOperations(AuthorizedOperations.CLUSTER);
        }
        for (Node node : cluster.liveNodes()) {
            out.brokers().add(new DescribeClusterBroker()
                    .setBrokerId(node.id()).setHost(node.host()).setPort(node.port()).setRack(node.rack()));
        }
        return CompletableFuture.completedFuture(new DescribeClusterResponse(out));
    }
}
