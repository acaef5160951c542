package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.log.AbortedTxn;
import io.sluice.broker.log.FetchIsolation;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.ReadResult;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

import io.sluice.broker.replication.ReplicaManager;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Fetch: reads each partition from its log (slices of segment files, sent zero-copy), honouring the
 * request's and each partition's byte limits; waits in {@link FetchWaiters} while fewer than
 * {@code min_bytes} are available. {@code read_uncommitted} reads stop at the high watermark,
 * {@code read_committed} ones at the last stable offset, with the aborted transactions in the range
 * read. Fetch sessions (KIP-227) are not kept: every response has session
 * id 0, which clients treat as "send full fetch requests".
 */
public final class FetchHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final FetchWaiters waiters;
    private final Consumer<TopicPartition> wake;
    private final ReplicaManager replicas;

    public FetchHandler(TopicRegistry topics, FetchWaiters waiters, ReplicaManager replicas) {
        this.topics = topics;
        this.waiters = waiters;
        this.wake = waiters::wake;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        FetchRequest body = request.body(FetchRequest.class);
        FetchRequestData data = body.data();
        int replicaId = body.replicaId();
        Map<TopicPartition, Errors> followerErrors = new HashMap<>();
        if (replicaId >= 0) {
            // A follower's fetch offset is its log end offset: record it before reading (it may move the HW).
            for (FetchRequestData.FetchTopic t : data.topics()) {
                Optional<String> name = name(t);
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    if (name.isPresent()) {
                        TopicPartition tp = new TopicPartition(name.get(), p.partition());
                        Errors error = replicas.recordFollowerFetch(tp, replicaId, p.fetchOffset(), p.currentLeaderEpoch());
                        if (error != Errors.NONE) {
                            followerErrors.put(tp, error);
                        }
                    }
                }
            }
        }
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        Read first = read(data, replicaId, followerErrors);
        if (first.bytes >= data.minBytes() || data.maxWaitMs() <= 0 || first.hasError) {
            result.complete(first.response);
            return result;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : data.topics()) {
            String name = name(t).orElse(null);
            if (name != null) {
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(name, p.partition());
                    partitions.add(tp);
                    // Markers (written by the transaction coordinator, not through Produce) move the last
                    // stable offset; hearing of every append covers them. A log keeps one copy of the hook.
                    topics.log(tp).ifPresent(log -> log.addAppendListener(wake));
                }
            }
        }
        waiters.park(deadline -> {
            Read again = read(data, replicaId, followerErrors);
            if (deadline || again.bytes >= data.minBytes() || again.hasError) {
                result.complete(again.response);
                return true;
            }
            return false;
        }, partitions, data.maxWaitMs());
        return result;
    }

    private record Read(FetchResponse response, int bytes, boolean hasError) {
    }

    private Optional<String> name(FetchRequestData.FetchTopic t) {
        if (t.topic() != null && !t.topic().isEmpty()) {
            return Optional.of(t.topic());
        }
        return topics.get(t.topicId()).map(TopicInfo::name);
    }

    private Read read(FetchRequestData data, int replicaId, Map<TopicPartition, Errors> followerErrors) {
        boolean readCommitted = data.isolationLevel() == IsolationLevel.READ_COMMITTED.id();
        int remaining = data.maxBytes() <= 0 ? Integer.MAX_VALUE : data.maxBytes();
        int total = 0;
        boolean hasError = false;
        FetchResponseData out = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        for (FetchRequestData.FetchTopic t : data.topics()) {
            Optional<String> name = name(t);
            FetchableTopicResponse topicResponse = new FetchableTopicResponse()
                    .setTopic(name.orElse(t.topic()))
                    .setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                PartitionData pd = new PartitionData()
                        .setPartitionIndex(p.partition())
                        .setHighWatermark(-1)
                        .setLastStableOffset(-1)
                        .setLogStartOffset(-1)
                        .setRecords(MemoryRecords.EMPTY);
                if (name.isEmpty()) {
                    boolean byId = t.topic() == null || t.topic().isEmpty();
                    pd.setErrorCode((byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                    hasError = true;
                } else {
                    TopicPartition tp = new TopicPartition(name.get(), p.partition());
                    Optional<PartitionLog> log = topics.log(tp);
                    Errors leadership = followerErrors.getOrDefault(tp, log.isEmpty() ? Errors.NONE
                            : replicas.checkLeader(tp, replicaId >= 0 ? -1 : p.currentLeaderEpoch()));
                    if (log.isEmpty() && leadership == Errors.NONE) {
                        boolean exists = topics.get(name.get()).map(i -> p.partition() < i.partitionCount()).orElse(false);
                        pd.setErrorCode((exists ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                        hasError = true;
                    } else if (leadership != Errors.NONE) {
                        pd.setErrorCode(leadership.code());
                        hasError = true;
                    } else {
                        try {
                            int limit = Math.min(remaining, p.partitionMaxBytes());
                            ReadResult r = log.get().read(p.fetchOffset(), Math.max(limit, 0), total == 0,
                                    replicaId >= 0 ? FetchIsolation.LOG_END
                                            : readCommitted ? FetchIsolation.TXN_COMMITTED : FetchIsolation.HIGH_WATERMARK);
                            int size = r.records().sizeInBytes();
                            total += size;
                            remaining = Math.max(0, remaining - size);
                            pd.setErrorCode(Errors.NONE.code())
                                    .setHighWatermark(r.highWatermark())
                                    .setLastStableOffset(r.lastStableOffset())
                                    .setLogStartOffset(r.logStartOffset())
                                    .setRecords(r.records());
                            if (r.abortedTransactions() != null) {
                                List<FetchResponseData.AbortedTransaction> aborted =
                                        new ArrayList<>(r.abortedTransactions().size());
                                for (AbortedTxn txn : r.abortedTransactions()) {
                                    aborted.add(txn.asAbortedTransaction());
                                }
                                pd.setAbortedTransactions(aborted);
                            }
                        } catch (ApiException e) {
                            pd.setErrorCode(Errors.forException(e).code());
                            hasError = true;
                        }
                    }
                }
                topicResponse.partitions().add(pd);
            }
            out.responses().add(topicResponse);
        }
        return new Read(FetchResponse.of(out), total, hasError);
    }
}
