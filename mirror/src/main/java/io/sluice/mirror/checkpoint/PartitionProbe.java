package io.sluice.mirror.checkpoint;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looks at a few records of a partition with a {@code read_committed} consumer: is there a committed record in an
 * offset range (control records and aborted records do not count), and the partition's last stable offset. Used
 * to decide exact translations at the head of a partition and to measure the mirror's lag.
 */
public final class PartitionProbe implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(2);
    private final KafkaConsumer<byte[], byte[]> consumer;

    public PartitionProbe(Map<String, Object> consumerSettings) {
        this.consumer = new KafkaConsumer<>(consumerSettings);
    }

    /**
     * The first committed record at offset ≥ {@code from} and &lt; {@code to}: present, absent (Optional of empty),
     * or unknown (empty) when the broker did not answer in time.
     */
    public Optional<Optional<ConsumerRecord<byte[], byte[]>>> firstRecord(TopicPartition tp, long from, long to) {
        if (from >= to) {
            return Optional.of(Optional.empty());
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    return Optional.of(record.offset() < to ? Optional.of(record) : Optional.empty());
                }
                long position = consumer.position(tp, WAIT);
                if (position >= to) {
                    return Optional.of(Optional.empty());
                }
                long lastStable = lastStable(tp);
                if (position >= lastStable) {
                    // Whatever lies in [lastStable, to) is not committed yet: cannot say.
                    return lastStable >= to ? Optional.of(Optional.empty()) : Optional.empty();
                }
            }
            return Optional.empty();
        } catch (WakeupException e) {
            return Optional.empty();
        } finally {
            consumer.unsubscribe();
        }
    }

    /** The last stable offset (the end a read_committed consumer sees). */
    public long lastStable(TopicPartition tp) {
        return consumer.endOffsets(List.of(tp), WAIT).get(tp);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
