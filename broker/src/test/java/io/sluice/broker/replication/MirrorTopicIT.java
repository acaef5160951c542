package io.sluice.broker.replication;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.config.TopicConfig;
import io.sluice.testkit.RawConnection;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.sluice.broker.replication.MirrorTopicSupport.awaitCaughtUp;
import static io.sluice.broker.replication.MirrorTopicSupport.createMirror;
import static io.sluice.broker.replication.MirrorTopicSupport.dump;
import static io.sluice.broker.replication.MirrorTopicSupport.endOffsets;
import static io.sluice.broker.replication.MirrorTopicSupport.promote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Offset-preserving mirror topics between two single-broker clusters: a topic on B with
 * {@code sluice.mirror.source.bootstrap.servers} holds A's records at A's offsets, transactions and
 * compaction gaps included; it refuses producers until promoted, then continues at the next offset.
 */
class MirrorTopicIT {
    private static TestCluster a;
    private static TestCluster b;

    @BeforeAll
    static void start() {
        Map<String, String> single = Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1");
        a = TestCluster.start(1, Map.of(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "100",
                "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1"));
        b = TestCluster.start(1, single);
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void transactionalTopicIsMirroredAtTheSameOffsets() throws Exception {
        String topic = "orders";
        a.createTopic(topic, 2, (short) 1, Map.of());
        int committed = produceWithTransactions(topic);
        createMirror(b, topic, 2, (short) 1, a, Map.of());
        awaitCaughtUp(a, b, topic, 2, Duration.ofSeconds(60));

        List<String> uncommittedOnA = dump(a, topic, 2, "read_uncommitted");
        assertThat(dump(b, topic, 2, "read_uncommitted")).containsExactlyElementsOf(uncommittedOnA);
        List<String> committedOnA = dump(a, topic, 2, "read_committed");
        assertThat(committedOnA).hasSize(committed).noneMatch(r -> r.contains("aborted"));
        assertThat(dump(b, topic, 2, "read_committed")).containsExactlyElementsOf(committedOnA);

        // Records produced later come too, at their offsets.
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, "late-" + i, "late-" + i));
            }
        }
        awaitCaughtUp(a, b, topic, 2, Duration.ofSeconds(30));
        assertThat(dump(b, topic, 2, "read_committed")).containsExactlyElementsOf(dump(a, topic, 2, "read_committed"));
    }

    @Test
    void producersAreRefusedUntilPromotionThenWritesContinueAtTheNextOffset() throws Exception {
        String topic = "payments";
        a.createTopic(topic, 1, (short) 1, Map.of());
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
        createMirror(b, topic, 1, (short) 1, a, Map.of());
        awaitCaughtUp(a, b, topic, 1, Duration.ofSeconds(30));

        try (KafkaProducer<String, String> producer = b.producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "x", "y")).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining("Topic payments is a mirror of " + a.bootstrap() + ":payments")
                    .hasMessageContaining("promote it to write");
        }
        try (Admin admin = b.admin()) {
            ConfigEntry entry = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
                    .all().get().values().iterator().next().get("sluice.mirror.source.bootstrap.servers");
            assertThat(entry.value()).isEqualTo(a.bootstrap());
        }

        long next = endOffsets(a, topic, 1).get(0);
        promote(b, topic);
        // The source goes on, but the promoted topic no longer follows it.
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, "after", "on A only")).get();
        }
        try (KafkaProducer<String, String> producer = b.producer(Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
            RecordMetadata written = producer.send(new ProducerRecord<>(topic, "promoted", "on B")).get(40, TimeUnit.SECONDS);
            assertThat(written.offset()).isEqualTo(next);
        }
        List<String> onB = dump(b, topic, 1, "read_committed");
        assertThat(onB).hasSize((int) next + 1).last().isEqualTo("0@" + next + " promoted=on B");
    }

    @Test
    void compactedTopicWithGapsKeepsItsOffsets() throws Exception {
        String topic = "profiles";
        a.createTopic(topic, 1, (short) 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact",
                TopicConfig.SEGMENT_BYTES_CONFIG, "8192", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01"));
        // Small batches, so that the cleaner drops whole batches and leaves gaps.
        try (KafkaProducer<String, String> producer = a.producer(Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 100))) {
            for (int i = 0; i < 1500; i++) {
                producer.send(new ProducerRecord<>(topic, "user-" + (i % 50), "v" + i));
            }
        }
        // Wait for the cleaner to be done with A (gaps in its offsets), so that A's log no longer changes: the
        // mirror's own cleaner, on its own segments, cleans nothing (its one segment is the active one).
        int[] last = {-1};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            int size = dump(a, topic, 1, "read_uncommitted").size();
            boolean stable = size == last[0] && size < 1000;
            last[0] = size;
            return stable;
        });
        createMirror(b, topic, 1, (short) 1, a, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));
        awaitCaughtUp(a, b, topic, 1, Duration.ofSeconds(30));
        List<String> onA = dump(a, topic, 1, "read_uncommitted");
        long lastOffset = Long.parseLong(onA.get(onA.size() - 1).split("[@ ]")[1]);
        assertThat(lastOffset).as("gaps in A's offsets").isGreaterThan(onA.size() + 100);
        assertThat(dump(b, topic, 1, "read_uncommitted")).containsExactlyElementsOf(onA);
    }

    @Test
    void committedOffsetsCopiedFromTheSourceWorkUnchanged() throws Exception {
        String topic = "clicks";
        a.createTopic(topic, 1, (short) 1, Map.of());
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < 1000; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = a.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "readers",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 300))) {
            consumer.subscribe(List.of(topic));
            int read = 0;
            while (read < 300) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(300)));
        }
        createMirror(b, topic, 1, (short) 1, a, Map.of());
        awaitCaughtUp(a, b, topic, 1, Duration.ofSeconds(30));
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = a.admin()) {
            committed = admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata().get();
        }
        try (Admin admin = b.admin()) {
            admin.alterConsumerGroupOffsets("readers", committed).all().get();
        }
        try (KafkaConsumer<String, String> consumer = b.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "readers"))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                records.forEach(got::add);
            }
            assertThat(got).isNotEmpty();
            assertThat(got.get(0).offset()).isEqualTo(300);
            assertThat(got.get(0).value()).isEqualTo("v300");
        }
    }

    @Test
    void producerStateComesAlongSoAnIdempotentProducerContinuesAfterPromotion() throws Exception {
        String topic = "ledger";
        TopicPartition tp = new TopicPartition(topic, 0);
        a.createTopic(topic, 1, (short) 1, Map.of());
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
        createMirror(b, topic, 1, (short) 1, a, Map.of());
        awaitCaughtUp(a, b, topic, 1, Duration.ofSeconds(30));
        ProducerState onA;
        try (Admin admin = a.admin()) {
            onA = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().get(0);
        }
        try (Admin admin = b.admin()) {
            assertThat(admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers())
                    .containsExactly(onA);
        }
        long next = endOffsets(a, topic, 1).get(0);
        promote(b, topic);

        // The producer fails over to B with its id, epoch and next sequence: B takes the batch, de-duplicates its
        // retry and refuses a sequence gap, as A would have.
        short epoch = (short) onA.producerEpoch();
        int sequence = onA.lastSequence() + 1;
        await().atMost(Duration.ofSeconds(30)).until(() -> produceRaw(topic, onA.producerId(), epoch, sequence, "failed-over")
                .errorCode() == Errors.NONE.code());
        ProduceResponseData.PartitionProduceResponse retry = produceRaw(topic, onA.producerId(), epoch, sequence, "failed-over");
        assertThat(retry.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(retry.baseOffset()).isEqualTo(next);
        assertThat(produceRaw(topic, onA.producerId(), epoch, sequence + 5, "gap").errorCode())
                .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        assertThat(dump(b, topic, 1, "read_committed")).hasSize((int) next + 1).last()
                .isEqualTo("0@" + next + " null=failed-over");
    }

    private static ProduceResponseData.PartitionProduceResponse produceRaw(String topic, long producerId, short epoch,
                                                                           int sequence, String value) throws Exception {
        MemoryRecords records = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence,
                new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        short version = 11;
        int port = b.broker(0).port();
        try (RawConnection raw = new RawConnection("127.0.0.1", port)) {
            ProduceResponse response = (ProduceResponse) raw.send(new RequestHeader(ApiKeys.PRODUCE, version, "raw", 1),
                    new ProduceRequest.Builder(version, version, data).build(version));
            return response.data().responses().iterator().next().partitionResponses().get(0);
        }
    }

    @Test
    void aSourceThatLostRecordsStopsTheMirrorWithAClearErrorAndPromotionStillWorks() throws Exception {
        String topic = "metrics";
        TopicPartition tp = new TopicPartition(topic, 0);
        a.createTopic(topic, 1, (short) 1, Map.of());
        produce(topic, 300);
        createMirror(b, topic, 1, (short) 1, a, Map.of());
        awaitCaughtUp(a, b, topic, 1, Duration.ofSeconds(30));

        // The source loses its records (as after an unclean election): its log now ends below the mirror's.
        try (Admin admin = a.admin()) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            a.createTopic(topic, 1, (short) 1, Map.of());
            return true;
        });
        produce(topic, 10);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                String.valueOf(b.broker(0).replicaManager().mirrorStates().get(tp)).startsWith("SOURCE_TRUNCATED"));
        assertThat(b.broker(0).replicaManager().mirrorStates().get(tp))
                .contains("ends at offset 10, below this mirror's log end 300");
        // What the mirror holds stays readable, and it can be promoted.
        assertThat(dump(b, topic, 1, "read_committed")).hasSize(300);
        promote(b, topic);
        try (KafkaProducer<String, String> producer = b.producer(Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
            assertThat(producer.send(new ProducerRecord<>(topic, "k", "v")).get(40, TimeUnit.SECONDS).offset())
                    .isEqualTo(300);
        }
    }

    private static void produce(String topic, int count) {
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
    }

    /** 20,000 records: idempotent ones, then transactions of which every third is aborted; returns the committed count. */
    private static int produceWithTransactions(String topic) throws Exception {
        int committed = 0;
        try (KafkaProducer<String, String> producer = a.producer(Map.of())) {
            for (int i = 0; i < 11_000; i++) {
                producer.send(new ProducerRecord<>(topic, "plain-" + i, "plain-" + i));
            }
            producer.flush();
            committed += 11_000;
        }
        try (KafkaProducer<String, String> producer = a.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mirror-test-txn"))) {
            producer.initTransactions();
            for (int t = 0; t < 30; t++) {
                producer.beginTransaction();
                boolean abort = t % 3 == 2;
                for (int i = 0; i < 300; i++) {
                    String v = (abort ? "aborted-" : "txn-") + t + "-" + i;
                    producer.send(new ProducerRecord<>(topic, v, v));
                }
                if (abort) {
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                    committed += 300;
                }
            }
        }
        return committed;
    }
}
