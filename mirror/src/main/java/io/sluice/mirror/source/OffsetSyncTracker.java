package io.sluice.mirror.source;

import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Decides which offset syncs a source task writes so that translation is exact: a sync for every mirrored
 * record whose (downstream − upstream) differs from the record before it in its partition (a gap on either side:
 * compaction, transaction markers, aborted records, the target's own markers, a restart), and one for the last
 * record acknowledged in each round, so the newest sync always marks how far the mirror has come. Acknowledgements
 * arrive on the producer's thread; {@link #drain} runs on the task's.
 */
final class OffsetSyncTracker {
    private record Ack(TopicPartition upstream, long upstreamOffset, long downstreamOffset) {
    }

    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    /** Per upstream partition: the (downstream − upstream) of the last record a sync covered. */
    private final Map<TopicPartition, Long> deltas = new HashMap<>();
    /** Per upstream partition: the last sync written, so the round's tail sync is not written twice. */
    private final Map<TopicPartition, Long> lastSynced = new HashMap<>();

    void acknowledged(TopicPartition upstream, long upstreamOffset, long downstreamOffset) {
        acks.add(new Ack(upstream, upstreamOffset, downstreamOffset));
    }

    /** The syncs the acknowledgements since the last call call for, in acknowledgement order per partition. */
    List<OffsetSync> drain() {
        List<OffsetSync> syncs = new ArrayList<>();
        Map<TopicPartition, Ack> tails = new LinkedHashMap<>();
        Ack ack;
        while ((ack = acks.poll()) != null) {
            long delta = ack.downstreamOffset - ack.upstreamOffset;
            Long previous = deltas.put(ack.upstream, delta);
            if (previous == null || previous != delta) {
                syncs.add(new OffsetSync(ack.upstream, ack.upstreamOffset, ack.downstreamOffset));
                lastSynced.put(ack.upstream, ack.upstreamOffset);
            }
            tails.put(ack.upstream, ack);
        }
        tails.values().forEach(tail -> {
            if (lastSynced.get(tail.upstream) != tail.upstreamOffset) {
                syncs.add(new OffsetSync(tail.upstream, tail.upstreamOffset, tail.downstreamOffset));
                lastSynced.put(tail.upstream, tail.upstreamOffset);
            }
        });
        return syncs;
    }

    boolean hasPending() {
        return !acks.isEmpty();
    }
}
