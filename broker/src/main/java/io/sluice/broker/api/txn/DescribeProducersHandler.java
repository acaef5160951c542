package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.transactions.producer.ProducerState;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** DescribeProducers from the partitions' producer state (KIP-664). */
public final class DescribeProducersHandler implements ApiHandler {
    private final Function<TopicPartition, Optional<ProducerStateTable>> states;

    public DescribeProducersHandler(Function<TopicPartition, Optional<ProducerStateTable>> states) {
        this.states = states;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DescribeProducersRequestData d = request.body(DescribeProducersRequest.class).data();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : d.topics()) {
            DescribeProducersResponseData.TopicResponse rt = new DescribeProducersResponseData.TopicResponse().setName(t.name());
            for (int partition : t.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse rp =
                        new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(partition);
                Optional<ProducerStateTable> table = states.apply(new TopicPartition(t.name(), partition));
                if (table.isEmpty()) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    for (ProducerState p : table.get().state()) {
                        rp.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(p.producerId())
                                .setProducerEpoch(p.epoch())
                                .setLastSequence(p.batches().isEmpty() ? -1 : p.batches().get(p.batches().size() - 1).lastSeq())
                                .setLastTimestamp(p.lastTimestamp())
                                .setCoordinatorEpoch(p.coordinatorEpoch())
                                .setCurrentTxnStartOffset(p.currentTxnFirstOffset()));
                    }
                }
                rt.partitions().add(rp);
            }
            response.topics().add(rt);
        }
        return CompletableFuture.completedFuture(new DescribeProducersResponse(response));
    }
}
