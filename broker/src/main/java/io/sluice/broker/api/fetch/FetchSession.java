package io.sluice.broker.api.fetch;

import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An incremental fetch session (KIP-227): the partitions one fetcher reads, with its position in
 * each, so that its requests name only what changed and our responses only what is new.
 *
 * <p>The epoch orders the fetcher's requests: each one must carry the session's current epoch, and
 * moves it on; a duplicate or stale request is refused. The partition order is the read order, so
 * under {@code max_bytes} the partitions at the front are served first: one that returned records
 * moves to the back, so that the others get their turn next time.
 *
 * <p>The partitions and the epoch are guarded by this object's lock; {@code lastUsedMs} by the
 * {@link FetchSessionCache}, which never takes a session's lock.
 */
final class FetchSession {
    /** What an incremental request did: an error, or the partitions to read now (none: the session is empty). */
    record Step(Errors error, Map<PartitionRef, FetchPosition> toRead) {
    }

    final int id;
    /** Created by a follower: worth more than any consumer's when the cache needs a slot (see {@link FetchSessionCache}). */
    final boolean privileged;
    /** Keyed by topic ids (Fetch v13+): only such requests may continue it. */
    final boolean usesTopicIds;
    final long createdMs;
    long lastUsedMs;
    /** Read by the cache without this session's lock, to rank sessions for eviction. */
    private volatile int size;
    private int epoch = FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH);
    private final LinkedHashMap<PartitionRef, CachedPartition> partitions;

    FetchSession(int id, boolean privileged, boolean usesTopicIds, long now,
                 LinkedHashMap<PartitionRef, CachedPartition> partitions) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.createdMs = now;
        this.lastUsedMs = now;
        this.partitions = partitions;
        this.size = partitions.size();
    }

    int size() {
        return size;
    }

    /**
     * Applies an incremental request made at {@code requestEpoch}: positions of added or changed
     * partitions, then the forgotten ones removed (as Kafka does, so that a partition both sent and
     * forgotten is gone). Moves the epoch on.
     */
    synchronized Step advance(int requestEpoch, boolean requestUsesTopicIds, Map<PartitionRef, FetchPosition> changed,
                              List<PartitionRef> forgotten) {
        if (requestEpoch != epoch) {
            return new Step(Errors.INVALID_FETCH_SESSION_EPOCH, Map.of());
        }
        if (requestUsesTopicIds != usesTopicIds) {
            return new Step(Errors.FETCH_SESSION_TOPIC_ID_ERROR, Map.of());
        }
        changed.forEach((ref, position) -> {
            CachedPartition cached = partitions.get(ref);
            if (cached == null) {
                partitions.put(ref, new CachedPartition(position));
            } else {
                cached.moveTo(position);
            }
        });
        forgotten.forEach(partitions::remove);
        size = partitions.size();
        epoch = FetchMetadata.nextEpoch(epoch);
        Map<PartitionRef, FetchPosition> toRead = new LinkedHashMap<>();
        partitions.forEach((ref, cached) -> toRead.put(ref, cached.position()));
        return new Step(Errors.NONE, toRead);
    }

    /**
     * The part of {@code reads} an incremental response carries: the partitions with something new
     * (see {@link CachedPartition#mustAnswer}). Empty when the session moved past
     * {@code expectedEpoch} meanwhile: another request was served in between, and this response is stale.
     */
    synchronized Optional<List<FetchedPartition>> answer(int expectedEpoch, List<FetchedPartition> reads) {
        if (epoch != expectedEpoch) {
            return Optional.empty();
        }
        List<FetchedPartition> carried = new ArrayList<>();
        for (FetchedPartition read : reads) {
            PartitionRef ref = read.target().ref();
            CachedPartition cached = partitions.get(ref);
            if (cached != null && cached.mustAnswer(read.data())) {
                carried.add(read);
                if (FetchResponse.recordsSize(read.data()) > 0) {
                    partitions.remove(ref);
                    partitions.put(ref, cached);
                }
            }
        }
        return Optional.of(carried);
    }
}
