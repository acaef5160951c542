package io.sluice.mirror.source;

import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetSyncTrackerTest {
    static final TopicPartition TP = new TopicPartition("orders", 0);

    @Test
    void syncsWhereTheMappingChangesAndAtTheEndOfEachRound() {
        OffsetSyncTracker tracker = new OffsetSyncTracker();
        for (long i = 0; i < 10; i++) {
            tracker.acknowledged(TP, i, i);
        }
        tracker.acknowledged(TP, 11, 10); // upstream 10 was a marker
        tracker.acknowledged(TP, 12, 11);
        assertThat(tracker.drain()).containsExactly(new OffsetSync(TP, 0, 0), new OffsetSync(TP, 11, 10),
                new OffsetSync(TP, 12, 11));
        assertThat(tracker.drain()).isEmpty();
        tracker.acknowledged(TP, 13, 13); // the target's commit marker took offset 12
        tracker.acknowledged(TP, 14, 14);
        assertThat(tracker.drain()).containsExactly(new OffsetSync(TP, 13, 13), new OffsetSync(TP, 14, 14));
    }

    @Test
    void roundtripsMm2Format() {
        OffsetSync sync = new OffsetSync(TP, 42, 7);
        var record = new org.apache.kafka.clients.consumer.ConsumerRecord<>("mm2-offset-syncs.A.internal", 0, 0L,
                sync.key(), sync.value());
        assertThat(OffsetSync.read(record)).isEqualTo(sync);
        // MM2's value layout: upstreamOffset int64 then offset int64
        assertThat(sync.value()).hasSize(16);
        assertThat(sync.value()[7]).isEqualTo((byte) 42);
        assertThat(sync.value()[15]).isEqualTo((byte) 7);
    }
}
