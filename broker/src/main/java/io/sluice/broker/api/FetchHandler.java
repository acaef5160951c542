package io.sluice.broker.api;

import io.sluice.broker.api.fetch.FetchContext;
import io.sluice.broker.api.fetch.FetchPosition;
import io.sluice.broker.api.fetch.FetchSessions;
import io.sluice.broker.api.fetch.FetchTarget;
import io.sluice.broker.api.fetch.FetchedPartition;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.log.AbortedTxn;
import io.sluice.broker.log.FetchIsolation;
import io.sluice.broker.log.LeaderEpochFileCache;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.log.ReadResult;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.replication.ReplicaManager;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch: reads each partition from its log (slices of segment files, sent zero-copy), honouring the
 * request's and each partition's byte limits; waits in {@link DelayedOperations} while fewer than
 * {@code min_bytes} are available. {@code read_uncommitted} reads stop at the high watermark,
 * {@code read_committed} ones at the last stable offset, with the aborted transactions in the range
 * read. Which partitions a request reads, and which of them its response carries, depends on its
 * fetch session (KIP-227, {@link FetchSessions}): an incremental fetch reads all of its session's
 * partitions, also while it waits, and answers only those with something new.
 *
 * <p>Followers fetch from the leader with their log end offset and the epoch of their last batch; a
 * partition whose follower log diverges from the leader's is answered with the diverging epoch and no
 * records. Consumers fetch from the leader, which may answer with a preferred read replica instead of
 * records (KIP-392, {@code replica.selector.class}); a follower serves consumers that fetch with
 * v11+, up to its own high watermark (or last stable offset), which never exceeds the leader's.
 */
public final class FetchHandler implements ApiHandler {
    /** Sluice has one listener, without authentication: what a replica selector is told of the client. */
    private static final String LISTENER = "PLAINTEXT";

    private final TopicRegistry topics;
    private final DelayedOperations waiters;
    private final ReplicaManager replicas;
    private final FetchSessions sessions;

    public FetchHandler(TopicRegistry topics, DelayedOperations waiters, ReplicaManager replicas,
                        FetchSessions sessions) {
        this.topics = topics;
        this.waiters = waiters;
        this.replicas = replicas;
        this.sessions = sessions;
    }

    /** Who is fetching, as far as where and how far a partition may be read depends on it. */
    private record Fetcher(int replicaId, boolean followerReadable, boolean readCommitted) {
        boolean isFollower() {
            return replicaId >= 0;
        }
    }

    /**
     * A partition answered without reading its records, decided once before the first read: an
     * error, a follower's diverging epoch, or the replica a consumer should read from instead.
     */
    private record Settled(Errors error, LeaderEpochFileCache.EpochEndOffset divergingEpoch, int preferredReadReplica) {
        static Settled failed(Errors error) {
            return new Settled(error, null, -1);
        }
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        FetchRequest body = request.body(FetchRequest.class);
        FetchRequestData data = body.data();
        // Only v11+ carries the client's rack, and only such a consumer expects follower reads (KIP-392).
        Fetcher fetcher = new Fetcher(body.replicaId(), body.replicaId() < 0 && request.version() >= 11,
                data.isolationLevel() == IsolationLevel.READ_COMMITTED.id());
        FetchContext context = sessions.newContext(data, request.version(), fetcher.isFollower(),
                id -> topics.get(id).map(TopicInfo::name));
        List<FetchTarget> targets = context.targets();
        Map<TopicPartition, Settled> settled = fetcher.isFollower()
                ? settleFollowerFetch(targets, fetcher.replicaId()) : redirects(request, data, targets);
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        Read first = read(targets, data.maxBytes(), fetcher, settled);
        // Nothing to read (a session error, an empty request): nothing to wait for either.
        if (targets.isEmpty() || first.bytes >= data.minBytes() || data.maxWaitMs() <= 0 || first.answerNow) {
            result.complete(first.respond(context));
            return result;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (FetchTarget target : targets) {
            if (target.topicPartition() != null) {
                // The replica manager wakes them on every append it leads and every high watermark move.
                partitions.add(target.topicPartition());
            }
        }
        waiters.park(deadline -> {
            Read again = read(targets, data.maxBytes(), fetcher, settled);
            if (deadline || again.bytes >= data.minBytes() || again.answerNow) {
                result.complete(again.respond(context));
                return true;
            }
            return false;
        }, partitions, data.maxWaitMs());
        return result;
    }

    /**
     * A read of every partition. {@code answerNow}: some partition's answer cannot improve by waiting
     * (an error, a diverging epoch, a redirect).
     */
    private final class Read {
        final List<FetchedPartition> partitions = new ArrayList<>();
        int bytes;
        boolean answerNow;
        int servedAsLeader;
        int servedAsFollower;

        FetchResponse respond(FetchContext context) {
            replicas.consumerReads().served(servedAsLeader, servedAsFollower);
            return FetchResponse.of(context.respond(partitions));
        }
    }

    /** A follower's fetch offsets, recorded (they may move the high watermark) or found diverging. */
    private Map<TopicPartition, Settled> settleFollowerFetch(List<FetchTarget> targets, int replicaId) {
        Map<TopicPartition, Settled> settled = new HashMap<>();
        for (FetchTarget target : targets) {
            TopicPartition tp = target.topicPartition();
            if (tp != null) {
                FetchPosition p = target.position();
                ReplicaManager.FollowerFetch outcome = replicas.onFollowerFetch(tp, replicaId, p.fetchOffset(),
                        p.logStartOffset(), p.currentLeaderEpoch(), p.lastFetchedEpoch());
                if (outcome.error() != Errors.NONE) {
                    settled.put(tp, Settled.failed(outcome.error()));
                } else {
                    outcome.divergingEpoch().ifPresent(d -> settled.put(tp, new Settled(Errors.NONE, d, -1)));
                }
            }
        }
        return settled;
    }

    /** The partitions a consumer should read from another replica, as this broker's replica selector decides. */
    private Map<TopicPartition, Settled> redirects(ApiRequest request, FetchRequestData data, List<FetchTarget> targets) {
        if (request.version() < 11 || !replicas.selectsReadReplicas()) {
            return Map.of();
        }
        ClientMetadata client = new ClientMetadata.DefaultClientMetadata(data.rackId(), request.clientId(),
                request.clientAddress(), KafkaPrincipal.ANONYMOUS, LISTENER);
        Map<TopicPartition, Settled> settled = new HashMap<>();
        for (FetchTarget target : targets) {
            TopicPartition tp = target.topicPartition();
            if (tp != null) {
                replicas.preferredReadReplica(tp, client, target.position().fetchOffset())
                        .ifPresent(id -> settled.put(tp, new Settled(Errors.NONE, null, id)));
            }
        }
        return settled;
    }

    private Read read(List<FetchTarget> targets, int maxBytes, Fetcher fetcher, Map<TopicPartition, Settled> settled) {
        Read read = new Read();
        int remaining = maxBytes <= 0 ? Integer.MAX_VALUE : maxBytes;
        for (FetchTarget target : targets) {
            PartitionData pd = new PartitionData()
                    .setPartitionIndex(target.ref().partition())
                    .setHighWatermark(-1)
                    .setLastStableOffset(-1)
                    .setLogStartOffset(-1)
                    .setRecords(MemoryRecords.EMPTY);
            TopicPartition tp = target.topicPartition();
            if (tp == null) {
                pd.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                read.answerNow = true;
            } else {
                int size = readPartition(tp, target.position(), fetcher, settled.get(tp), remaining, read, pd);
                remaining = Math.max(0, remaining - size);
            }
            read.partitions.add(new FetchedPartition(target, pd));
        }
        return read;
    }

    /** Fills {@code pd} for one partition; returns the bytes of records it holds. */
    private int readPartition(TopicPartition tp, FetchPosition p, Fetcher fetcher, Settled settled,
                              int remaining, Read read, PartitionData pd) {
        Optional<PartitionLog> log = topics.log(tp);
        boolean asFollower = false;
        Errors access;
        if (settled != null && settled.error() != Errors.NONE) {
            access = settled.error();
        } else if (log.isEmpty()) {
            boolean exists = topics.get(tp.topic()).map(i -> tp.partition() < i.partitionCount()).orElse(false);
            access = exists ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (fetcher.isFollower()) {
            access = replicas.checkLeader(tp, -1);
        } else {
            ReplicaManager.ReadAccess granted = replicas.consumerReadAccess(tp, p.currentLeaderEpoch(),
                    fetcher.followerReadable());
            access = granted.error();
            asFollower = granted.asFollower();
        }
        if (access != Errors.NONE) {
            if (access == Errors.OFFSET_OUT_OF_RANGE && log.isPresent()) {
                // A follower behind our log start learns from these offsets where to start over.
                offsetsOnly(pd, log.get());
            }
            pd.setErrorCode(access.code());
            read.answerNow = true;
            return 0;
        }
        PartitionLog partitionLog = log.get();
        if (settled != null) {
            offsetsOnly(pd, partitionLog);
            if (settled.divergingEpoch() != null) {
                pd.divergingEpoch().setEpoch(settled.divergingEpoch().epoch())
                        .setEndOffset(settled.divergingEpoch().endOffset());
            } else {
                pd.setPreferredReadReplica(settled.preferredReadReplica());
            }
            read.answerNow = true;
            return 0;
        }
        FetchIsolation isolation = fetcher.isFollower() ? FetchIsolation.LOG_END
                : fetcher.readCommitted() ? FetchIsolation.TXN_COMMITTED : FetchIsolation.HIGH_WATERMARK;
        try {
            int limit = Math.min(remaining, p.maxBytes());
            ReadResult r = partitionLog.read(p.fetchOffset(), Math.max(limit, 0), read.bytes == 0, isolation);
            int size = r.records().sizeInBytes();
            read.bytes += size;
            pd.setErrorCode(Errors.NONE.code())
                    .setHighWatermark(r.highWatermark())
                    .setLastStableOffset(r.lastStableOffset())
                    .setLogStartOffset(r.logStartOffset())
                    .setRecords(r.records());
            if (r.abortedTransactions() != null) {
                List<FetchResponseData.AbortedTransaction> aborted = new ArrayList<>(r.abortedTransactions().size());
                for (AbortedTxn txn : r.abortedTransactions()) {
                    aborted.add(txn.asAbortedTransaction());
                }
                pd.setAbortedTransactions(aborted);
            }
            if (size > 0 && !fetcher.isFollower()) {
                if (asFollower) {
                    read.servedAsFollower++;
                } else {
                    read.servedAsLeader++;
                }
            }
            return size;
        } catch (OffsetOutOfRangeException e) {
            if (asFollower && p.currentLeaderEpoch() < 0) {
                // A v11 client without leader epochs may be here on stale metadata, ahead of this follower:
                // nothing yet, rather than an error it would take for a reset (Kafka does the same).
                offsetsOnly(pd, partitionLog);
                return 0;
            }
            offsetsOnly(pd, partitionLog);
            pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
            read.answerNow = true;
            return 0;
        } catch (ApiException e) {
            pd.setErrorCode(Errors.forException(e).code());
            read.answerNow = true;
            return 0;
        }
    }

    /** A partition answered with its offsets and no records. */
    private static void offsetsOnly(PartitionData pd, PartitionLog log) {
        pd.setErrorCode(Errors.NONE.code())
                .setHighWatermark(log.highWatermark())
                .setLastStableOffset(log.lastStableOffset())
                .setLogStartOffset(log.logStartOffset());
    }
}
