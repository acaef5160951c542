package io.sluice.broker.api.group;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * TxnOffsetCommit (KIP-98, KIP-447 group checks): the offsets are written as a transactional batch of
 * the producer and stay pending, invisible to OffsetFetch, until the transaction's marker arrives
 * ({@link GroupCoordinator#onTxnMarker}).
 */
public final class TxnOffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator groups;

    public TxnOffsetCommitHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        TxnOffsetCommitRequestData d = request.body(TxnOffsetCommitRequest.class).data();
        long now = groups.now();
        Map<TopicPartition, CommittedOffset> toCommit = new LinkedHashMap<>();
        Map<TopicPartition, Errors> errors = new HashMap<>();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : d.topics()) {
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                Errors refused = groups.commitError(tp, metadata);
                if (refused != Errors.NONE) {
                    errors.put(tp, refused);
                } else {
                    toCommit.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, now, -1));
                }
            }
        }
        return groups.commitTxnOffsets(d, toCommit, now).thenApply(error -> {
            if (error != Errors.NONE) {
                toCommit.keySet().forEach(tp -> errors.put(tp, error));
            }
            return txnCommitResponse(d, errors);
        });
    }

    private static TxnOffsetCommitResponse txnCommitResponse(TxnOffsetCommitRequestData d,
                                                             Map<TopicPartition, Errors> errors) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : d.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic rt =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(t.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                rt.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(errors.getOrDefault(new TopicPartition(t.name(), p.partitionIndex()), Errors.NONE).code()));
            }
            response.topics().add(rt);
        }
        return new TxnOffsetCommitResponse(response);
    }
}
