package io.sluice.examples.enrich;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orders the job cannot read (not JSON, no quantity) go to the errors topic with Kafka Connect's context headers
 * while the others are enriched; without an errors topic the first such order stops the job, naming it.
 */
class EnrichBadOrdersIT {
    private static final Schema ORDER = SchemaBuilder.struct().name("orders")
            .field("id", Schema.INT64_SCHEMA).field("quantity", Schema.INT32_SCHEMA)
            .field("unit_price", Schema.INT64_SCHEMA).build();
    private static final Schema NO_QUANTITY = SchemaBuilder.struct().name("orders")
            .field("id", Schema.INT64_SCHEMA).build();

    @Test
    void unreadableOrdersGoToTheErrorsTopicWithContextHeadersOrStopTheJob() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            for (String topic : List.of("in", "in-errors", "out-tolerant", "out-strict")) {
                broker.createTopic(topic, 1, Map.of());
            }
            JsonConverter json = new JsonConverter();
            json.configure(Map.of("schemas.enable", "true"), false);
            try (KafkaProducer<byte[], byte[]> producer = broker.bytesProducer(Map.of())) {
                producer.send(new ProducerRecord<>("in", json.fromConnectData("in", ORDER,
                        new Struct(ORDER).put("id", 1L).put("quantity", 2).put("unit_price", 300L))));
                producer.send(new ProducerRecord<>("in", "not json".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>("in", json.fromConnectData("in", NO_QUANTITY,
                        new Struct(NO_QUANTITY).put("id", 3L))));
                producer.send(new ProducerRecord<>("in", json.fromConnectData("in", ORDER,
                        new Struct(ORDER).put("id", 4L).put("quantity", 5).put("unit_price", 7L))));
                producer.flush();
            }

            run(broker, "tolerant", "in-errors", null);
            List<ConsumerRecord<byte[], byte[]>> out = read(broker, "out-tolerant", 2);
            assertThat(out).extracting(r -> ((Struct) json.toConnectData("out", r.value()).value()).getInt64("total"))
                    .containsExactly(600L, 35L);
            List<ConsumerRecord<byte[], byte[]>> errors = read(broker, "in-errors", 2);
            assertThat(errors).extracting(r -> header(r, "__connect.errors.offset")).containsExactly("1", "2");
            assertThat(errors).allSatisfy(r -> {
                assertThat(header(r, "__connect.errors.topic")).isEqualTo("in");
                assertThat(header(r, "__connect.errors.partition")).isEqualTo("0");
                assertThat(header(r, "__connect.errors.exception.class.name")).isNotBlank();
            });
            assertThat(new String(errors.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not json");
            assertThat(header(errors.get(1), "__connect.errors.exception.message")).contains("'quantity' field");

            AtomicReference<Throwable> stopped = new AtomicReference<>();
            run(broker, "strict", null, stopped);
            assertThat(stopped.get()).hasMessageContaining("Cannot enrich the order at in-0 offset 1");
        }
    }

    /** Runs a job until it has read all four orders (or stopped, when {@code failure} is given). */
    private static void run(TestBroker broker, String name, String errorsTopic, AtomicReference<Throwable> failure)
            throws InterruptedException {
        OrderEnrichmentJob job = new OrderEnrichmentJob(new OrderEnrichmentJob.Settings(broker.bootstrap(), "in",
                "out-" + name, name, name, ConnectOrders.using(JsonConverter.class.getName(),
                Map.of("schemas.enable", "true"), "out-" + name), errorsTopic));
        Thread thread = new Thread(() -> {
            try {
                job.run();
            } catch (RuntimeException e) {
                if (failure != null) {
                    failure.set(e);
                }
            }
        }, "job-" + name);
        thread.start();
        if (failure != null) {
            thread.join(60_000);
            assertThat(thread.isAlive()).as("job still running").isFalse();
        } else {
            await().atMost(Duration.ofSeconds(60)).until(() -> job.committedRecords() >= 4);
            job.stop();
            thread.join(30_000);
        }
        job.close();
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(TestBroker broker, String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null,
                Map.of("isolation.level", "read_committed"))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
        }
        return records;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
