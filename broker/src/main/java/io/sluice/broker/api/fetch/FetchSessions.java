package io.sluice.broker.api.fetch;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Decides, for each Fetch request, how it relates to the fetch sessions of this broker (KIP-227),
 * by its session id and epoch:
 * <ul>
 *   <li>epoch -1: no session (session id 0), or closing the given one; every partition answered;</li>
 *   <li>epoch 0: a full request; the given session, if any, is closed and a new one is created from
 *       the response if the cache has a slot;</li>
 *   <li>any other epoch: the next request of the given session, which must exist
 *       (FETCH_SESSION_ID_NOT_FOUND), be at that epoch (INVALID_FETCH_SESSION_EPOCH) and name topics
 *       as the request does, by id from v13 or by name before (FETCH_SESSION_TOPIC_ID_ERROR). Its
 *       partitions are added or moved, its forgotten ones removed; all the session's partitions are
 *       read. A request that leaves the session empty closes it and is answered without one.</li>
 * </ul>
 * Followers and consumers get sessions alike; followers' are privileged in eviction.
 */
public final class FetchSessions {
    private final FetchSessionCache cache;
    private final LongSupplier clock;
    private final LongAdder incrementalFetches = new LongAdder();

    public FetchSessions(FetchSessionCache cache, LongSupplier clock) {
        this.cache = cache;
        this.clock = clock;
    }

    /**
     * @param version     the request's version: from 13 on, topics are named by id
     * @param fromFollower whether a replica fetches (its session is privileged)
     * @param topicNames  the topic an id names here, if any
     */
    public FetchContext newContext(FetchRequestData request, short version, boolean fromFollower,
                                   Function<Uuid, Optional<String>> topicNames) {
        boolean usesTopicIds = version >= 13;
        FetchMetadata metadata = new FetchMetadata(request.sessionId(), request.sessionEpoch());
        Map<PartitionRef, FetchPosition> requested = requested(request, usesTopicIds);
        if (metadata.isFull()) {
            if (metadata.sessionId() != FetchMetadata.INVALID_SESSION_ID) {
                cache.remove(metadata.sessionId());
            }
            List<FetchTarget> targets = targets(requested, topicNames);
            return metadata.epoch() == FetchMetadata.FINAL_EPOCH
                    ? new FetchContext.Sessionless(targets)
                    : new FetchContext.Full(targets, cache, clock, fromFollower, usesTopicIds);
        }
        Optional<FetchSession> found = cache.get(metadata.sessionId());
        if (found.isEmpty()) {
            return new FetchContext.SessionError(Errors.FETCH_SESSION_ID_NOT_FOUND);
        }
        FetchSession session = found.get();
        FetchSession.Step step = session.advance(metadata.epoch(), usesTopicIds, requested,
                forgotten(request, usesTopicIds));
        if (step.error() != Errors.NONE) {
            return new FetchContext.SessionError(step.error());
        }
        if (step.toRead().isEmpty()) {
            cache.remove(session);
            return new FetchContext.Sessionless(targets(requested, topicNames));
        }
        cache.touch(session, clock.getAsLong());
        return new FetchContext.Incremental(session, FetchMetadata.nextEpoch(metadata.epoch()),
                targets(step.toRead(), topicNames), incrementalFetches::increment);
    }

    /** Incremental fetches answered (with a session, not a session error) since start. */
    public long incrementalFetchesServed() {
        return incrementalFetches.sum();
    }

    /** Sessions created since start: a fetcher that keeps its session creates one. */
    public long sessionsCreated() {
        return cache.created();
    }

    /** Sessions held now. */
    public int sessionCount() {
        return cache.size();
    }

    /** The request's partitions in its order, a partition named twice taking its last position. */
    private static Map<PartitionRef, FetchPosition> requested(FetchRequestData request, boolean usesTopicIds) {
        Map<PartitionRef, FetchPosition> requested = new LinkedHashMap<>();
        for (FetchRequestData.FetchTopic t : request.topics()) {
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                PartitionRef ref = usesTopicIds ? PartitionRef.byId(t.topicId(), p.partition())
                        : PartitionRef.byName(t.topic(), p.partition());
                requested.put(ref, FetchPosition.of(p));
            }
        }
        return requested;
    }

    private static List<PartitionRef> forgotten(FetchRequestData request, boolean usesTopicIds) {
        List<PartitionRef> forgotten = new ArrayList<>();
        for (FetchRequestData.ForgottenTopic t : request.forgottenTopicsData()) {
            for (int partition : t.partitions()) {
                forgotten.add(usesTopicIds ? PartitionRef.byId(t.topicId(), partition)
                        : PartitionRef.byName(t.topic(), partition));
            }
        }
        return forgotten;
    }

    /** Resolved now, not when the session was made: an id may name a topic only created since (or none any more). */
    private static List<FetchTarget> targets(Map<PartitionRef, FetchPosition> partitions,
                                             Function<Uuid, Optional<String>> topicNames) {
        List<FetchTarget> targets = new ArrayList<>(partitions.size());
        partitions.forEach((ref, position) -> {
            String topic = ref.topicName() != null ? ref.topicName() : topicNames.apply(ref.topicId()).orElse(null);
            targets.add(new FetchTarget(ref, topic == null ? null : new TopicPartition(topic, ref.partition()), position));
        });
        return targets;
    }
}
