package io.sluice.broker.api;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProduceFetchIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void producedRecordsAreFetchedInOrderWithEveryCompression(String compression) throws Exception {
        String topic = "plain-" + compression;
        broker.createTopic(topic, 1, Map.of());
        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, compression, ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 500; i++) {
                RecordMetadata md = producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
                offsets.add(md.offset());
            }
        }
        assertThat(offsets).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 500).boxed().toList());
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < 500 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertThat(got).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(got.get(i).offset()).isEqualTo(i);
            assertThat(got.get(i).key()).isEqualTo("k" + i);
            assertThat(got.get(i).value()).isEqualTo("v" + i);
        }
    }

    @Test
    void autoCreatedTopicAcceptsWrites() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            RecordMetadata md = producer.send(new ProducerRecord<>("auto-created", "k", "v")).get();
            assertThat(md.offset()).isZero();
        }
    }
}
