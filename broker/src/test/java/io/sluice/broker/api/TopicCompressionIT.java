package io.sluice.broker.api;

import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** compression.type on a topic: the broker stores batches with the topic's codec whatever the producer used. */
class TopicCompressionIT {
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
    @ValueSource(strings = {"none", "gzip", "lz4", "snappy", "zstd"})
    void zstdTopicStoresZstdBatchesWhateverTheProducerSent(String producerCodec) throws Exception {
        String topic = "zstd-from-" + producerCodec;
        broker.createTopic(topic, 1, Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "zstd"));
        long timestamp = System.currentTimeMillis() - 5_000;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, producerCodec, ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 200; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("h", ("hv" + i).getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, 0, timestamp + i, "k" + i, "v" + i, headers));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        List<RecordBatch> stored = storedBatches(tp);
        assertThat(stored).isNotEmpty();
        assertThat(stored).allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.ZSTD));
        assertThat(stored).allSatisfy(b -> assertThat(b.isValid()).isTrue());
        assertThat(stored.get(stored.size() - 1).lastOffset()).isEqualTo(199);

        List<ConsumerRecord<String, String>> got = consume(tp, 200, Map.of());
        assertThat(got).hasSize(200);
        for (int i = 0; i < 200; i++) {
            ConsumerRecord<String, String> r = got.get(i);
            assertThat(r.offset()).isEqualTo(i);
            assertThat(r.key()).isEqualTo("k" + i);
            assertThat(r.value()).isEqualTo("v" + i);
            assertThat(r.timestamp()).isEqualTo(timestamp + i);
            assertThat(new String(r.headers().lastHeader("h").value(), StandardCharsets.UTF_8)).isEqualTo("hv" + i);
        }
    }

    @Test
    void uncompressedTopicDecompressesAndGzipLevelIsAccepted() throws Exception {
        String topic = "to-uncompressed";
        broker.createTopic(topic, 1, Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "uncompressed"));
        String gzipTopic = "to-gzip-9";
        broker.createTopic(gzipTopic, 1, Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "gzip",
                TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, "9"));
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
                producer.send(new ProducerRecord<>(gzipTopic, "k" + i, "v" + i));
            }
            producer.flush();
        }
        assertThat(storedBatches(new TopicPartition(topic, 0)))
                .allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.NONE));
        assertThat(storedBatches(new TopicPartition(gzipTopic, 0)))
                .allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.GZIP));
        assertThat(consume(new TopicPartition(topic, 0), 20, Map.of())).extracting(ConsumerRecord::value)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
        assertThat(consume(new TopicPartition(gzipTopic, 0), 20, Map.of())).hasSize(20);
    }

    @Test
    void idempotentAndTransactionalProducersKeepTheirIdsThroughRecompression() throws Exception {
        String topic = "zstd-eos";
        broker.createTopic(topic, 1, Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "zstd"));
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> idempotent = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 10; i++) {
                idempotent.send(new ProducerRecord<>(topic, "k" + i, "plain" + i)).get();
            }
        }
        try (KafkaProducer<String, String> txn = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip", ProducerConfig.TRANSACTIONAL_ID_CONFIG, "zstd-eos-txn"))) {
            txn.initTransactions();
            txn.beginTransaction();
            for (int i = 0; i < 5; i++) {
                txn.send(new ProducerRecord<>(topic, "k" + i, "committed" + i));
            }
            txn.commitTransaction();
            txn.beginTransaction();
            for (int i = 0; i < 5; i++) {
                txn.send(new ProducerRecord<>(topic, "k" + i, "aborted" + i));
            }
            txn.flush();
            txn.abortTransaction();
        }
        List<RecordBatch> stored = storedBatches(tp);
        List<RecordBatch> data = stored.stream().filter(b -> !b.isControlBatch()).toList();
        List<RecordBatch> markers = stored.stream().filter(RecordBatch::isControlBatch).toList();
        assertThat(data).allSatisfy(b -> {
            assertThat(b.compressionType()).isEqualTo(CompressionType.ZSTD);
            assertThat(b.hasProducerId()).isTrue();
            assertThat(b.baseSequence()).isGreaterThanOrEqualTo(0);
        });
        // Ten single-record idempotent batches, sequences 0..9, and transactional data after them.
        assertThat(data.stream().filter(b -> !b.isTransactional()).map(RecordBatch::baseSequence).toList())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 10).boxed().toList());
        assertThat(data.stream().filter(RecordBatch::isTransactional).count()).isGreaterThanOrEqualTo(2);
        assertThat(markers).hasSize(2);
        assertThat(markers).allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.NONE));

        List<ConsumerRecord<String, String>> committed = consume(tp, 15,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        assertThat(committed).extracting(ConsumerRecord::value).containsExactly(
                "plain0", "plain1", "plain2", "plain3", "plain4", "plain5", "plain6", "plain7", "plain8", "plain9",
                "committed0", "committed1", "committed2", "committed3", "committed4");
    }

    private static List<RecordBatch> storedBatches(TopicPartition tp) {
        PartitionLog log = broker.broker().partitionLog(tp).orElseThrow();
        List<RecordBatch> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            var records = log.read(offset, Integer.MAX_VALUE, true).records();
            for (RecordBatch b : records.batches()) {
                out.add(b);
                offset = b.nextOffset();
            }
        }
        return out;
    }

    private static List<ConsumerRecord<String, String>> consume(TopicPartition tp, int expected,
                                                                Map<String, Object> extra) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, extra)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            // Anything beyond what is expected would show up in one more poll.
            consumer.poll(Duration.ofMillis(300)).forEach(got::add);
        }
        return got;
    }
}
