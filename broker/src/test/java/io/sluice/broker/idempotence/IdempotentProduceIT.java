package io.sluice.broker.idempotence;

import io.sluice.broker.api.FaultInjection;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idempotent producers against a real broker: responses lost after the append, and a broker restart
 * while a batch is unacknowledged, must not duplicate or reorder a single record.
 */
class IdempotentProduceIT {
    private static final String TOPIC = "idem";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @AfterEach
    void disarm() {
        FaultInjection.reset();
    }

    private static Map<String, Object> producerConfig() {
        return Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                // A lost response closes the connection; the client reconnects and retries the batch.
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_500,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                // Small batches: many requests, several in flight when a response is lost.
                ProducerConfig.BATCH_SIZE_CONFIG, 1_024);
    }

    @Test
    void lostResponsesAreRetriedWithoutDuplicatesOrReordering() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic(TOPIC, 1, Map.of());
            int total = 2_000;
            Map<Integer, Long> offsets = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Exception> errors = new ConcurrentLinkedQueue<>();
            double retries;
            double recordErrors;
            try (KafkaProducer<String, String> producer = broker.producer(producerConfig())) {
                int armed = 0;
                for (int i = 0; i < total; i++) {
                    if (i == 100 || i == 700 || i == 1_500) {
                        // Lose the acks of the next two requests that append something (the second is
                        // often the retry of the first: a duplicate whose ack is lost again).
                        FaultInjection.dropProduceResponses(2);
                        armed += 2;
                    }
                    int index = i;
                    producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i), (md, e) -> {
                        if (e != null) {
                            errors.add(e);
                        } else {
                            offsets.put(index, md.offset());
                        }
                    });
                    if (i == 150 || i == 750 || i == 1_550) {
                        // Records keep coming while the drops happen; wait for them before arming again.
                        int expected = armed;
                        await().atMost(Duration.ofSeconds(30))
                                .until(() -> FaultInjection.droppedProduceResponses() == expected);
                    }
                }
                producer.flush();
                retries = metric(producer, "record-retry-total");
                recordErrors = metric(producer, "record-error-total");
            }
            assertThat(errors).isEmpty();
            assertThat(FaultInjection.droppedProduceResponses()).isEqualTo(6);
            assertThat(retries).as("records resent after lost responses").isPositive();
            assertThat(recordErrors).isZero();
            // A retried batch is acknowledged with the offsets it got the first time.
            for (int i = 0; i < total; i++) {
                assertThat(offsets.get(i)).as("offset of record %d", i).isEqualTo(i);
            }
            assertExactlyOnceInOrder(broker, total);
            assertOneProducerEpochWithContiguousSequences(broker.dataDir().resolve(TOPIC + "-0"), total);
        }
    }

    @Test
    void aBatchUnacknowledgedAcrossARestartIsNotWrittenTwice() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // A fixed port, so that the producer finds the restarted broker at the address it knows.
        try (TestBroker broker = TestBroker.start(Map.of(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port))) {
            broker.createTopic(TOPIC, 1, Map.of());
            int half = 1_000;
            List<Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = broker.producer(producerConfig())) {
                for (int i = 0; i < half - 1; i++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i)));
                }
                producer.flush();
                // The last record of the first half is written, but its ack never reaches the producer.
                FaultInjection.dropProduceResponses(1);
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k" + (half - 1), "v" + (half - 1))));
                await().atMost(Duration.ofSeconds(30)).until(() -> FaultInjection.droppedProduceResponses() == 1);
                broker.restart();
                for (int i = half; i < 2 * half; i++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i)));
                }
                producer.flush();
                for (int i = 0; i < sent.size(); i++) {
                    assertThat(sent.get(i).get().offset()).as("offset of record %d", i).isEqualTo(i);
                }
            }
            assertExactlyOnceInOrder(broker, 2 * half);
        }
    }

    private static double metric(KafkaProducer<?, ?> producer, String name) {
        for (Map.Entry<MetricName, ? extends Metric> entry : producer.metrics().entrySet()) {
            if (entry.getKey().name().equals(name) && entry.getKey().group().equals("producer-metrics")) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no producer metric " + name);
    }

    private static void assertExactlyOnceInOrder(TestBroker broker, int total) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < total && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            // Anything past the expected count would be a duplicate: give it a chance to show up.
            consumer.poll(Duration.ofMillis(500)).forEach(got::add);
            assertThat(consumer.endOffsets(List.of(TP))).containsEntry(TP, (long) total);
        }
        assertThat(got).hasSize(total);
        for (int i = 0; i < total; i++) {
            assertThat(got.get(i).offset()).isEqualTo(i);
            assertThat(got.get(i).value()).isEqualTo("v" + i);
        }
    }

    /** No epoch bump or producer reset happened: which is how a client reacts to OUT_OF_ORDER_SEQUENCE. */
    private static void assertOneProducerEpochWithContiguousSequences(Path partitionDir, int total) throws Exception {
        List<Path> segments;
        try (Stream<Path> files = Files.list(partitionDir)) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        long producerId = -1;
        short epoch = -1;
        int nextSequence = 0;
        for (Path segment : segments) {
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (RecordBatch batch : records.batches()) {
                    if (producerId == -1) {
                        producerId = batch.producerId();
                        epoch = batch.producerEpoch();
                    }
                    assertThat(batch.producerId()).isEqualTo(producerId);
                    assertThat(batch.producerEpoch()).isEqualTo(epoch);
                    assertThat(batch.baseSequence()).isEqualTo(nextSequence);
                    nextSequence = batch.lastSequence() + 1;
                }
            }
        }
        assertThat(producerId).isNotNegative();
        assertThat(nextSequence).isEqualTo(total);
    }
}
