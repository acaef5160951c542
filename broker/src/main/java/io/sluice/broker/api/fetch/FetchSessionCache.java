package io.sluice.broker.api.fetch;

import org.apache.kafka.common.requests.FetchMetadata;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * This broker's fetch sessions, at most {@code max.incremental.fetch.session.cache.slots} of them,
 * by session id. When full, a new session takes the slot of one that is worth less, by Kafka's
 * rules (a fetcher without a session just keeps sending full requests):
 * <ol>
 *   <li>a session unused for longer than the minimum age is stale, and goes first (the least
 *       recently used one);</li>
 *   <li>a follower's (privileged) session may take the slot of any consumer's session;</li>
 *   <li>otherwise a session may take the slot of one with fewer partitions and the same privilege,
 *       if that one was created more than the minimum age ago, so that new sessions cannot evict
 *       each other in turn.</li>
 * </ol>
 * Among the sessions that may go, the least valuable goes: a consumer's before a follower's, then
 * the one with fewest partitions. Kafka keeps sorted indexes and shards the cache; here eviction
 * looks over every session (a few thousand at most), and only when the cache is full.
 */
public final class FetchSessionCache {
    /** Kafka's {@code MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS}: how long a new session is safe from size-based eviction. */
    public static final long DEFAULT_MIN_EVICTION_AGE_MS = 120_000;

    /** Least valuable first: consumers' sessions before followers', then fewer partitions first. */
    private static final Comparator<FetchSession> LEAST_VALUABLE_FIRST = Comparator
            .comparing((FetchSession s) -> s.privileged)
            .thenComparingInt(FetchSession::size)
            .thenComparingInt(s -> s.id);

    private final int maxSessions;
    private final long minEvictionAgeMs;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private long created;
    private long evictions;

    public FetchSessionCache(int maxSessions, long minEvictionAgeMs) {
        this.maxSessions = maxSessions;
        this.minEvictionAgeMs = minEvictionAgeMs;
    }

    synchronized Optional<FetchSession> get(int sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    /**
     * A new session of the given partitions, if there is a slot for it or it may take one
     * ({@code partitions} is only built then); its id, or {@link FetchMetadata#INVALID_SESSION_ID}.
     */
    synchronized int create(long now, boolean privileged, boolean usesTopicIds, int size,
                            Supplier<LinkedHashMap<PartitionRef, CachedPartition>> partitions) {
        if (sessions.size() >= maxSessions && !evictForNew(privileged, size, now)) {
            return FetchMetadata.INVALID_SESSION_ID;
        }
        int id = newSessionId();
        sessions.put(id, new FetchSession(id, privileged, usesTopicIds, now, partitions.get()));
        created++;
        return id;
    }

    /** Marks a session used now: it is not stale. */
    synchronized void touch(FetchSession session, long now) {
        session.lastUsedMs = now;
    }

    synchronized boolean remove(int sessionId) {
        return sessions.remove(sessionId) != null;
    }

    synchronized void remove(FetchSession session) {
        sessions.remove(session.id, session);
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** Sessions created since start. */
    public synchronized long created() {
        return created;
    }

    /** Sessions evicted to make room for new ones. */
    public synchronized long evictions() {
        return evictions;
    }

    private boolean evictForNew(boolean privileged, int size, long now) {
        Optional<FetchSession> victim = stale(now).or(() -> worthLess(privileged, size, now));
        victim.ifPresent(s -> {
            sessions.remove(s.id);
            evictions++;
        });
        return victim.isPresent();
    }

    /** The least recently used session, if unused for longer than the minimum age. */
    private Optional<FetchSession> stale(long now) {
        return sessions.values().stream()
                .min(Comparator.comparingLong((FetchSession s) -> s.lastUsedMs).thenComparingInt(s -> s.id))
                .filter(s -> now - s.lastUsedMs > minEvictionAgeMs);
    }

    /** The least valuable session a new one (of {@code privileged} and {@code size}) may take the slot of. */
    private Optional<FetchSession> worthLess(boolean privileged, int size, long now) {
        return sessions.values().stream()
                .filter(s -> (privileged && !s.privileged) || now - s.createdMs > minEvictionAgeMs)
                .min(LEAST_VALUABLE_FIRST)
                .filter(s -> (privileged && !s.privileged) || (privileged == s.privileged && size > s.size()));
    }

    private int newSessionId() {
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        return id;
    }
}
