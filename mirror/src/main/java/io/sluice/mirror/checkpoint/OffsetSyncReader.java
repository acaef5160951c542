package io.sluice.mirror.checkpoint;

import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the offset-syncs topic from its start, read_committed (so syncs of an aborted mirror transaction never
 * count), handing every sync to a callback; {@link #catchUp} reads up to the end as it is now.
 */
public final class OffsetSyncReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OffsetSyncReader.class);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;

    public OffsetSyncReader(Map<String, Object> targetConsumer, String topic) {
        consumer = new KafkaConsumer<>(targetConsumer);
        partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /** Reads every sync up to the topic's current end (bounded by {@code timeout}). */
    public void catchUp(Consumer<OffsetSync> sink, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
        while (consumer.position(partition, timeout) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                try {
                    sink.accept(OffsetSync.read(record));
                } catch (RuntimeException e) {
                    log.warn("Skipping an unreadable offset sync at offset {}: {}", record.offset(), e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
