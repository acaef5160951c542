package io.sluice.connect;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads a one-partition topic's values from the start, for assertions on what a worker produced. */
final class TopicReader {
    private TopicReader() {
    }

    /** read_committed values until {@code expected} arrived (at most 30 s), then one more second for extras. */
    static List<String> read(TestBroker broker, String topic, int expected) {
        return read(broker, topic, "read_committed", expected);
    }

    static List<String> read(TestBroker broker, String topic, String isolation, int expected) {
        List<String> values = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer("check-" + UUID.randomUUID(),
                Map.of("isolation.level", isolation))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
