package io.sluice.mirror.source;

import io.sluice.mirror.checkpoint.OffsetSyncReader;
import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Restores the offset syncs a stopped or crashed task never wrote. A task writes the syncs of one round in the
 * next, so the last round before a stop — committed with its source positions — may lack them, and translation
 * would be inexact for its records. At start, for each partition whose stored position is past its newest sync,
 * the task pairs the committed source records after that sync (up to the position) with the target records after
 * the sync's downstream offset, in order — the mirror is their only writer — and acknowledges the pairs again,
 * so the first poll writes the missing syncs. Partitions where the counts cannot match (someone else writes the
 * remote partition) are left alone, with a warning.
 */
final class SyncRecovery {
    private static final Logger log = LoggerFactory.getLogger(SyncRecovery.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private SyncRecovery() {
    }

    /**
     * @param positions   per upstream partition, the last upstream offset already mirrored
     * @param remote      the remote partition of an upstream partition
     * @param mirrored    which source records the task copies (the identity policy skips records from the target)
     */
    static void recover(Map<TopicPartition, Long> positions, Map<String, Object> sourceConsumer,
                        Map<String, Object> targetConsumer, String syncsTopic,
                        java.util.function.Function<TopicPartition, TopicPartition> remote,
                        Predicate<ConsumerRecord<byte[], byte[]>> mirrored, OffsetSyncTracker tracker) {
        if (positions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetSync> newest = new HashMap<>();
        try (OffsetSyncReader reader = new OffsetSyncReader(targetConsumer, syncsTopic)) {
            reader.catchUp(sync -> {
                if (positions.containsKey(sync.upstream())) {
                    newest.merge(sync.upstream(), sync, (a, b) -> b.upstreamOffset() >= a.upstreamOffset() ? b : a);
                }
            }, TIMEOUT);
        }
        try (KafkaConsumer<byte[], byte[]> source = new KafkaConsumer<>(sourceConsumer);
             KafkaConsumer<byte[], byte[]> target = new KafkaConsumer<>(targetConsumer)) {
            positions.forEach((tp, last) -> {
                OffsetSync sync = newest.get(tp);
                if (sync == null || sync.upstreamOffset() >= last) {
                    return;
                }
                List<Long> upstream = read(source, tp, sync.upstreamOffset() + 1, last + 1, mirrored);
                TopicPartition downstreamTp = remote.apply(tp);
                long end = target.endOffsets(List.of(downstreamTp), TIMEOUT).get(downstreamTp);
                List<Long> downstream = read(target, downstreamTp, sync.downstreamOffset() + 1, end, r -> true);
                if (upstream == null || downstream == null || downstream.size() < upstream.size()) {
                    log.warn("Cannot restore the offset syncs of {} after {}: {} source records, {} target records",
                            tp, sync, upstream == null ? "?" : upstream.size(), downstream == null ? "?" : downstream.size());
                    return;
                }
                for (int i = 0; i < upstream.size(); i++) {
                    tracker.acknowledged(tp, upstream.get(i), downstream.get(i));
                }
                log.info("Restored offset syncs of {} for {} records after {}", tp, upstream.size(), sync);
            });
        }
    }

    /** Offsets of the committed records in [from, to) that pass {@code filter}; null when not read in time. */
    private static List<Long> read(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to,
                                   Predicate<ConsumerRecord<byte[], byte[]>> filter) {
        List<Long> offsets = new ArrayList<>();
        if (from >= to) {
            return offsets;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(tp, TIMEOUT) < to) {
            if (System.nanoTime() > deadline) {
                return null;
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (record.offset() < to && filter.test(record)) {
                    offsets.add(record.offset());
                }
            }
            if (consumer.position(tp, TIMEOUT) >= consumer.endOffsets(List.of(tp), TIMEOUT).get(tp)) {
                break;
            }
        }
        return offsets;
    }
}
