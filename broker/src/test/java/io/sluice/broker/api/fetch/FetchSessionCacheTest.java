package io.sluice.broker.api.fetch;

import org.apache.kafka.common.requests.FetchMetadata;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FetchSessionCacheTest {
    private static final long MIN_AGE = 120_000;
    private static final boolean FOLLOWER = true;
    private static final boolean CONSUMER = false;

    private static int create(FetchSessionCache cache, long now, boolean privileged, int partitions) {
        return cache.create(now, privileged, true, partitions, () -> {
            LinkedHashMap<PartitionRef, CachedPartition> map = new LinkedHashMap<>();
            for (int p = 0; p < partitions; p++) {
                map.put(PartitionRef.byName("t", p), new CachedPartition(new FetchPosition(0, 0, 1024, -1, -1)));
            }
            return map;
        });
    }

    private static boolean holds(FetchSessionCache cache, int id) {
        return cache.get(id).isPresent();
    }

    @Test
    void sessionIdsArePositiveAndDistinct() {
        FetchSessionCache cache = new FetchSessionCache(500, MIN_AGE);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            int id = create(cache, 0, CONSUMER, 1);
            assertThat(id).isPositive();
            ids.add(id);
        }
        assertThat(ids).hasSize(500);
        assertThat(cache.size()).isEqualTo(500);
    }

    @Test
    void zeroSlotsMeansNoSessions() {
        FetchSessionCache cache = new FetchSessionCache(0, MIN_AGE);
        assertThat(create(cache, 0, FOLLOWER, 10)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(cache.size()).isZero();
    }

    @Test
    void youngSessionsAreNotEvictedEvenForBiggerOnes() {
        FetchSessionCache cache = new FetchSessionCache(2, MIN_AGE);
        int a = create(cache, 0, CONSUMER, 1);
        int b = create(cache, 0, CONSUMER, 1);
        assertThat(create(cache, 60_000, CONSUMER, 50)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(holds(cache, a) && holds(cache, b)).isTrue();
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void theLeastRecentlyUsedStaleSessionGoesFirst() {
        FetchSessionCache cache = new FetchSessionCache(2, MIN_AGE);
        int older = create(cache, 0, FOLLOWER, 100);
        int newer = create(cache, 1_000, CONSUMER, 1);
        cache.touch(cache.get(newer).orElseThrow(), 100_000);
        // At 125 s the follower's session is unused for longer than the minimum age: stale, whatever its worth.
        int created = create(cache, 125_000, CONSUMER, 1);
        assertThat(created).isPositive();
        assertThat(holds(cache, older)).isFalse();
        assertThat(holds(cache, newer)).isTrue();
        assertThat(cache.evictions()).isOne();
    }

    @Test
    void touchedSessionsAreNotStale() {
        FetchSessionCache cache = new FetchSessionCache(1, MIN_AGE);
        int used = create(cache, 0, CONSUMER, 5);
        cache.touch(cache.get(used).orElseThrow(), 100_000);
        assertThat(create(cache, 150_000, CONSUMER, 1)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(holds(cache, used)).isTrue();
    }

    @Test
    void aFollowerTakesTheSlotOfAConsumerOfAnyAgeAndSize() {
        FetchSessionCache cache = new FetchSessionCache(1, MIN_AGE);
        int consumer = create(cache, 0, CONSUMER, 1_000);
        int follower = create(cache, 10, FOLLOWER, 1);
        assertThat(follower).isPositive();
        assertThat(holds(cache, consumer)).isFalse();
    }

    @Test
    void aConsumerNeverTakesTheSlotOfAFollowerInUse() {
        FetchSessionCache cache = new FetchSessionCache(1, MIN_AGE);
        int follower = create(cache, 0, FOLLOWER, 1);
        cache.touch(cache.get(follower).orElseThrow(), 290_000);
        assertThat(create(cache, 300_000, CONSUMER, 1_000)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(holds(cache, follower)).isTrue();
    }

    @Test
    void aBiggerSessionTakesTheSlotOfASmallerOneOnlyPastTheMinimumAge() {
        FetchSessionCache cache = new FetchSessionCache(1, MIN_AGE);
        int small = create(cache, 0, CONSUMER, 2);
        cache.touch(cache.get(small).orElseThrow(), 100_000);
        assertThat(create(cache, 100_000, CONSUMER, 3)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);

        cache.touch(cache.get(small).orElseThrow(), 130_000);
        assertThat(create(cache, 130_000, CONSUMER, 2)).as("same size: not worth more")
                .isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        int bigger = create(cache, 130_000, CONSUMER, 3);
        assertThat(bigger).isPositive();
        assertThat(holds(cache, small)).isFalse();
    }

    @Test
    void theSmallestEvictableSessionGoes() {
        FetchSessionCache cache = new FetchSessionCache(3, MIN_AGE);
        int three = create(cache, 0, CONSUMER, 3);
        int one = create(cache, 0, CONSUMER, 1);
        int two = create(cache, 0, CONSUMER, 2);
        for (int id : new int[] {three, one, two}) {
            cache.touch(cache.get(id).orElseThrow(), 200_000);
        }
        assertThat(create(cache, 200_000, CONSUMER, 4)).isPositive();
        assertThat(holds(cache, one)).isFalse();
        assertThat(holds(cache, two) && holds(cache, three)).isTrue();
    }

    @Test
    void anOldFollowerSessionMayGiveWayToABiggerFollowerSession() {
        FetchSessionCache cache = new FetchSessionCache(1, MIN_AGE);
        int small = create(cache, 0, FOLLOWER, 1);
        cache.touch(cache.get(small).orElseThrow(), 200_000);
        assertThat(create(cache, 200_000, FOLLOWER, 1)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(create(cache, 200_000, FOLLOWER, 2)).isPositive();
        assertThat(holds(cache, small)).isFalse();
    }
}
