package io.sluice.examples.pipeline;

import io.sluice.connect.converters.AvroConverter;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a duplicate came from: how often each order id occurs in a topic of the pipeline, as read_committed readers
 * (the next stage) see it. Printed by the test so a failing run says which stage repeated an order.
 */
final class TopicIds {
    private TopicIds() {
    }

    static String summary(TestBroker broker, String topic, String registryUrl) {
        AvroConverter avro = new AvroConverter();
        avro.configure(Map.of("schema.registry.url", registryUrl), false);
        Map<Long, List<String>> seen = new TreeMap<>();
        int records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null,
                Map.of("isolation.level", "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            int emptyPolls = 0;
            while (emptyPolls < 5 && System.currentTimeMillis() < deadline) {
                var polled = consumer.poll(Duration.ofMillis(500));
                emptyPolls = polled.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    records++;
                    long id = ((Struct) avro.toConnectData(topic, r.value()).value()).getInt64("id");
                    seen.computeIfAbsent(id, k -> new ArrayList<>()).add(r.partition() + "@" + r.offset());
                }
            }
        }
        List<String> repeated = new ArrayList<>();
        seen.forEach((id, where) -> {
            if (where.size() > 1 && repeated.size() < 10) {
                repeated.add(id + " at " + where);
            }
        });
        return topic + ": " + records + " records, " + seen.size() + " distinct ids; repeated: " + repeated;
    }
}
