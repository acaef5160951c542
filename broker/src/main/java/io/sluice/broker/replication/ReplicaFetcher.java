package io.sluice.broker.replication;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.network.BrokerClient;
import io.sluice.broker.log.LeaderEpochFileCache;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Fetches every partition this broker follows from one leader broker, on one thread over one blocking
 * socket, with the ordinary Fetch API (v12, topics by name) and {@code replica_id} set to this broker's
 * id so that the leader records our log end offsets. Each partition is fetched from the local log end
 * with the epoch of the local last batch ({@code last_fetched_epoch}); the leader answers a log that
 * does not match its own with a diverging epoch, and the partition is truncated
 * ({@link FollowerApply#onDiverged}) and fetched again. Responses are applied through
 * {@link FollowerApply#onFetched}, which drops data that no longer fits (leadership or the log moved
 * meanwhile).
 *
 * <p>Requests are sessionless (no KIP-227 fetch session, though leaders offer followers privileged
 * ones): while a follower replicates, most of its partitions' fetch offsets move with every response,
 * so an incremental request would leave out little, and without a session there is no client-side
 * state to lose or resynchronise (evictions, epochs, leader restarts) on the path that the high
 * watermark and the ISR depend on. A broker pair sharing thousands of partitions would gain from
 * sessions: then this fetcher would keep one with kafka-clients' FetchSessionHandler.
 */
final class ReplicaFetcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final short FETCH_VERSION = 12;

    private final int leaderId;
    private final FollowerApply replicas;
    private final int maxWaitMs;
    private final int partitionMaxBytes;
    private final Map<TopicPartition, State> partitions = new ConcurrentHashMap<>();

    /**
     * A followed partition: the leader epoch it is followed at, and whether Fetch reports our last epoch.
     * It stops doing so after the leader found no epoch as old as ours (OFFSET_OUT_OF_RANGE): the log
     * was then cut to the high watermark and, until the next leader, is fetched on from there.
     */
    private record State(int leaderEpoch, boolean reportsEpoch) {
    }
    private final Thread thread;
    private volatile boolean running = true;
    private final BrokerClient client;

    ReplicaFetcher(int leaderId, FollowerApply replicas, BrokerConfig config, IntFunction<Optional<Node>> nodes) {
        this.leaderId = leaderId;
        this.replicas = replicas;
        this.maxWaitMs = config.getInt(BrokerConfig.REPLICA_FETCH_WAIT_MAX_MS);
        this.partitionMaxBytes = config.getInt(BrokerConfig.REPLICA_FETCH_MAX_BYTES);
        // Long-polling fetches hold the response up to the max wait: the read timeout allows for that.
        this.client = new BrokerClient(() -> nodes.apply(leaderId), "sluice-replica-fetcher-" + replicas.brokerId(),
                maxWaitMs + 30_000);
        this.thread = new Thread(this, "sluice-replica-fetcher-" + replicas.brokerId() + "-from-" + leaderId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void add(TopicPartition tp, int leaderEpoch) {
        partitions.put(tp, new State(leaderEpoch, true));
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (partitions.isEmpty() || replicas.fetchingPaused()) {
                    Thread.sleep(20);
                    continue;
                }
                fetchOnce();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    log.debug("Broker {}: fetch from leader {} failed: {}", replicas.brokerId(), leaderId, e.toString());
                }
                client.close();
                sleepQuietly(100);
            }
        }
        client.close();
    }

    private record Sent(State state, long fetchOffset, int lastFetchedEpoch) {
    }

    private void fetchOnce() throws IOException {
        Map<TopicPartition, Sent> sent = new HashMap<>();
        Map<String, FetchRequestData.FetchTopic> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, State> e : partitions.entrySet()) {
            Partition p = replicas.partition(e.getKey());
            if (p == null) {
                continue;
            }
            // Only this thread appends to or truncates a followed log, so the two agree.
            long fetchOffset = p.log.logEndOffset();
            int lastFetchedEpoch = e.getValue().reportsEpoch() ? p.log.lastBatchEpoch() : -1;
            sent.put(e.getKey(), new Sent(e.getValue(), fetchOffset, lastFetchedEpoch));
            byTopic.computeIfAbsent(e.getKey().topic(), t -> new FetchRequestData.FetchTopic().setTopic(t))
                    .partitions().add(new FetchRequestData.FetchPartition()
                            .setPartition(e.getKey().partition())
                            .setFetchOffset(fetchOffset)
                            .setLogStartOffset(p.log.logStartOffset())
                            .setPartitionMaxBytes(partitionMaxBytes)
                            .setCurrentLeaderEpoch(e.getValue().leaderEpoch())
                            .setLastFetchedEpoch(lastFetchedEpoch));
        }
        if (sent.isEmpty()) {
            sleepQuietly(20);
            return;
        }
        FetchRequestData data = new FetchRequestData()
                .setReplicaId(replicas.brokerId())
                .setMaxWaitMs(maxWaitMs)
                .setMinBytes(1)
                .setMaxBytes(Math.max(partitionMaxBytes, 10 * 1024 * 1024))
                .setIsolationLevel((byte) 0)
                .setSessionId(0)
                .setSessionEpoch(-1)
                .setTopics(new java.util.ArrayList<>(byTopic.values()));
        FetchResponse response = send(data);
        if (response.error() != Errors.NONE) {
            sleepQuietly(100);
            return;
        }
        boolean anyError = false;
        for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
            for (FetchResponseData.PartitionData pd : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), pd.partitionIndex());
                Sent s = sent.get(tp);
                if (s == null) {
                    continue;
                }
                Errors error = Errors.forCode(pd.errorCode());
                anyError |= error != Errors.NONE;
                int leaderEpoch = s.state().leaderEpoch();
                if (error == Errors.NONE && FetchResponse.isDivergingEpoch(pd)) {
                    replicas.onDiverged(leaderId, leaderEpoch, tp, s.fetchOffset(),
                            new LeaderEpochFileCache.EpochEndOffset(pd.divergingEpoch().epoch(),
                                    pd.divergingEpoch().endOffset()));
                    continue;
                }
                if (error == Errors.OFFSET_OUT_OF_RANGE && s.lastFetchedEpoch() >= 0) {
                    partitions.replace(tp, s.state(), new State(leaderEpoch, false));
                }
                org.apache.kafka.common.record.internal.BaseRecords records = pd.records();
                replicas.onFetched(leaderId, leaderEpoch, tp, s.fetchOffset(),
                        records instanceof MemoryRecords m ? m : null, pd.highWatermark(), pd.logStartOffset(), error);
            }
        }
        if (anyError) {
            sleepQuietly(50);
        }
    }

    private FetchResponse send(FetchRequestData data) throws IOException {
        return (FetchResponse) client.send(new FetchRequest(data, FETCH_VERSION));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void shutdown() {
        running = false;
        thread.interrupt();
        client.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
