package io.sluice.mirror.checkpoint;

import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Translates a group's committed upstream offset into the downstream offset of the same position, from every
 * offset sync seen (not MM2's few-per-partition cache, so a group lagging any distance translates exactly).
 *
 * <p>Because the source task writes a sync wherever (downstream − upstream) changes, and one for the newest
 * record mirrored, for an upstream offset U below the newest sync: with s the last sync at or below U and n the
 * next one, the downstream offset is {@code min(s.down + (U − s.up), n.down)} — exactly where a consumer on the
 * target must start to read the records at and after U and none before. At or past the newest sync, the answer
 * depends on whether the source holds committed records the mirror has not copied yet, which the caller knows
 * ({@link Tail}).
 */
public final class OffsetTranslator {
    /** What lies past the newest sync of a partition, asked only when a group is at or past it. */
    public interface Tail {
        /**
         * Whether the source partition holds committed records in [{@code from}, {@code to}); empty when that is
         * not known yet.
         */
        java.util.Optional<Boolean> sourceHasRecords(TopicPartition upstream, long from, long to);

        /**
         * The offset a consumer of the remote partition should start at, given that every record there at or before
         * {@code lastMirrored} is one the group has read: the end of the partition when nothing newer is there
         * (so an idle partition shows zero lag), else {@code lastMirrored + 1}.
         */
        long downstreamAfter(TopicPartition upstream, long lastMirrored);
    }

    private final Map<TopicPartition, NavigableMap<Long, Long>> syncs = new HashMap<>();

    public void add(OffsetSync sync) {
        syncs.computeIfAbsent(sync.upstream(), k -> new TreeMap<>()).put(sync.upstreamOffset(), sync.downstreamOffset());
    }

    /** The upstream partitions with syncs. */
    public java.util.Set<TopicPartition> partitions() {
        return java.util.Collections.unmodifiableSet(syncs.keySet());
    }

    public boolean knows(TopicPartition upstream) {
        return syncs.containsKey(upstream);
    }

    /** The newest sync of a partition, as {@code [upstream, downstream]}, or null. */
    public long[] newest(TopicPartition upstream) {
        NavigableMap<Long, Long> partition = syncs.get(upstream);
        if (partition == null || partition.isEmpty()) {
            return null;
        }
        Map.Entry<Long, Long> last = partition.lastEntry();
        return new long[] {last.getKey(), last.getValue()};
    }

    /** The downstream offset for upstream offset {@code upstreamOffset}, or empty when it cannot be exact yet. */
    public OptionalLong translate(TopicPartition upstream, long upstreamOffset, Tail tail) {
        NavigableMap<Long, Long> partition = syncs.get(upstream);
        if (partition == null || partition.isEmpty()) {
            return OptionalLong.empty();
        }
        Map.Entry<Long, Long> floor = partition.floorEntry(upstreamOffset);
        if (floor == null) {
            // Before the first record the mirror copied: nothing before it exists on the target.
            return OptionalLong.of(partition.firstEntry().getValue());
        }
        if (floor.getKey() == upstreamOffset) {
            return OptionalLong.of(floor.getValue());
        }
        Map.Entry<Long, Long> next = partition.higherEntry(upstreamOffset);
        if (next != null) {
            return OptionalLong.of(Math.min(floor.getValue() + (upstreamOffset - floor.getKey()), next.getValue()));
        }
        // Past the newest record mirrored: exact only if the source has no committed record in between.
        java.util.Optional<Boolean> unmirrored = tail.sourceHasRecords(upstream, floor.getKey() + 1, upstreamOffset);
        if (unmirrored.isEmpty() || unmirrored.get()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(tail.downstreamAfter(upstream, floor.getValue()));
    }
}
