package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The transaction coordinator through real KafkaProducer/KafkaConsumer/Admin clients. */
class TransactionsIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(Map.of(
                BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "3",
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS, "200"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @AfterEach
    void resetFaults() {
        TransactionFaults.stopAfterPrepare = false;
    }

    private static KafkaProducer<String, String> txnProducer(String transactionalId, Map<String, Object> extra) {
        Map<String, Object> props = new java.util.HashMap<>(extra);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return broker.producer(props);
    }

    /** A control batch in a partition's log, read straight from its segment files. */
    record Marker(long offset, long producerId, short epoch, ControlRecordType type) {
    }

    static List<Marker> markers(TopicPartition tp) {
        return markers(tp, broker);
    }

    static List<Marker> markers(TopicPartition tp, TestBroker on) {
        Path dir = on.dataDir().resolve(tp.topic() + "-" + tp.partition());
        List<Marker> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                try (FileRecords records = FileRecords.open(new File(segment.toString()))) {
                    for (RecordBatch batch : records.batches()) {
                        if (batch.isControlBatch()) {
                            out.add(new Marker(batch.baseOffset(), batch.producerId(), batch.producerEpoch(),
                                    ControlRecordType.parse(batch.iterator().next().key())));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<ConsumerRecord<String, String>> readAll(String topic, int expected) {
        return readAll(topic, expected, "read_uncommitted");
    }

    static List<ConsumerRecord<String, String>> readAll(String topic, int expected, String isolation) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 10_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            // Anything beyond what was expected would show up in one more poll.
            consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }

    static TransactionDescription describe(String transactionalId) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        }
    }

    static long producerIdOf(String transactionalId) throws Exception {
        return describe(transactionalId).producerId();
    }

    @Test
    void committedRecordsAreReadableAndFollowedByACommitMarker() throws Exception {
        broker.createTopic("commit", 1, Map.of());
        try (KafkaProducer<String, String> producer = txnProducer("t-commit", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("commit", 0, "k" + i, "v" + i));
            }
            producer.commitTransaction();
        }
        List<ConsumerRecord<String, String>> records = readAll("commit", 3);
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("v0", "v1", "v2");
        assertThat(records).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L);
        long pid = producerIdOf("t-commit");
        assertThat(markers(new TopicPartition("commit", 0)))
                .containsExactly(new Marker(3, pid, (short) 0, ControlRecordType.COMMIT));
        TransactionDescription d = describe("t-commit");
        assertThat(d.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(d.topicPartitions()).isEmpty();
    }

    @Test
    void abortedRecordsAreFollowedByAnAbortMarker() throws Exception {
        broker.createTopic("abort", 1, Map.of());
        try (KafkaProducer<String, String> producer = txnProducer("t-abort", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("abort", 0, "a", "aborted-1"));
            producer.send(new ProducerRecord<>("abort", 0, "a", "aborted-2"));
            producer.flush();
            TransactionDescription ongoing = describe("t-abort");
            assertThat(ongoing.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(ongoing.topicPartitions()).containsExactly(new TopicPartition("abort", 0));
            assertThat(ongoing.transactionStartTimeMs().getAsLong()).isPositive();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("abort", 0, "c", "committed"));
            producer.commitTransaction();
        }
        long pid = producerIdOf("t-abort");
        assertThat(markers(new TopicPartition("abort", 0))).containsExactly(
                new Marker(2, pid, (short) 0, ControlRecordType.ABORT),
                new Marker(4, pid, (short) 0, ControlRecordType.COMMIT));
        // read_uncommitted sees the aborted data too, around the marker offsets; read_committed does not.
        assertThat(readAll("abort", 3)).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 3L);
        assertThat(readAll("abort", 1, "read_committed")).extracting(ConsumerRecord::value).containsExactly("committed");
    }

    @Test
    void transactionalOffsetsBecomeVisibleOnlyOnCommit() throws Exception {
        broker.createTopic("offsets-in", 1, Map.of());
        broker.createTopic("offsets-out", 1, Map.of());
        TopicPartition in = new TopicPartition("offsets-in", 0);
        try (KafkaProducer<String, String> producer = txnProducer("t-offsets", Map.of());
             Admin admin = broker.admin();
             KafkaConsumer<String, String> stable = broker.consumer("g-offsets",
                     Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("offsets-out", 0, "k", "v"));
            producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(5)), new ConsumerGroupMetadata("g-offsets"));
            assertThat(committed(admin, "g-offsets", in)).isNull();
            // A read_committed consumer asks for stable offsets and keeps retrying while one is pending.
            assertThatThrownBy(() -> stable.committed(Set.of(in), Duration.ofSeconds(2)))
                    .isInstanceOf(TimeoutException.class);
            producer.commitTransaction();
            assertThat(committed(admin, "g-offsets", in).offset()).isEqualTo(5);
            assertThat(stable.committed(Set.of(in), Duration.ofSeconds(5)).get(in).offset()).isEqualTo(5);

            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(9)), new ConsumerGroupMetadata("g-offsets"));
            producer.abortTransaction();
            assertThat(committed(admin, "g-offsets", in).offset()).isEqualTo(5);
            assertThat(stable.committed(Set.of(in), Duration.ofSeconds(5)).get(in).offset()).isEqualTo(5);
        }
        // The markers also went to the group's __consumer_offsets partition.
        List<Marker> offsetsMarkers = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            offsetsMarkers.addAll(markers(new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, p)));
        }
        long pid = producerIdOf("t-offsets");
        assertThat(offsetsMarkers).filteredOn(m -> m.producerId() == pid).extracting(Marker::type)
                .containsExactly(ControlRecordType.COMMIT, ControlRecordType.ABORT);

        // Reloaded from the log after a restart: the committed one, not the aborted one.
        broker.restart();
        try (Admin admin = broker.admin()) {
            assertThat(committed(admin, "g-offsets", in).offset()).isEqualTo(5);
        }
    }

    private static OffsetAndMetadata committed(Admin admin, String group, TopicPartition tp) throws Exception {
        return admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions())
                .partitionsToOffsetAndMetadata().get().get(tp);
    }

    @Test
    void aSecondProducerWithTheSameIdFencesTheFirst() throws Exception {
        broker.createTopic("zombie", 1, Map.of());
        try (KafkaProducer<String, String> first = txnProducer("t-zombie", Map.of());
             KafkaProducer<String, String> second = txnProducer("t-zombie", Map.of())) {
            first.initTransactions();
            first.beginTransaction();
            first.send(new ProducerRecord<>("zombie", 0, "k", "from-zombie")).get();

            // The coordinator aborts the zombie's transaction (epoch 0 -> 1) and the retry bumps again.
            second.initTransactions();
            assertThat(describe("t-zombie").producerEpoch()).isEqualTo(2);

            assertThatThrownBy(first::commitTransaction).isInstanceOf(ProducerFencedException.class);

            second.beginTransaction();
            second.send(new ProducerRecord<>("zombie", 0, "k", "from-second"));
            second.commitTransaction();
        }
        long pid = producerIdOf("t-zombie");
        assertThat(markers(new TopicPartition("zombie", 0))).containsExactly(
                new Marker(1, pid, (short) 1, ControlRecordType.ABORT),
                new Marker(3, pid, (short) 2, ControlRecordType.COMMIT));
    }

    @Test
    void transactionsPastTheirTimeoutAreAbortedAndTheProducerFenced() throws Exception {
        broker.createTopic("timeout", 1, Map.of());
        try (KafkaProducer<String, String> producer = txnProducer("t-timeout",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("timeout", 0, "k", "v")).get();
            await().atMost(Duration.ofSeconds(10)).until(() -> describe("t-timeout").state() == TransactionState.COMPLETE_ABORT);
            TransactionDescription d = describe("t-timeout");
            assertThat(d.producerEpoch()).isEqualTo(1);
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);
        }
        assertThat(markers(new TopicPartition("timeout", 0))).containsExactly(
                new Marker(1, producerIdOf("t-timeout"), (short) 1, ControlRecordType.ABORT));
    }

    @Test
    void timeoutsAboveTheBrokerMaximumAreRefused() {
        try (KafkaProducer<String, String> producer = txnProducer("t-too-long",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_001))) {
            assertThatThrownBy(producer::initTransactions).isInstanceOf(KafkaException.class)
                    .hasMessageContaining("transaction timeout");
        }
    }

    @Test
    void listTransactionsFiltersAndDescribeProducersShowsTheOpenTransaction() throws Exception {
        broker.createTopic("listed", 1, Map.of());
        try (KafkaProducer<String, String> producer = txnProducer("t-listed", Map.of());
             Admin admin = broker.admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("listed", 0, "k", "v")).get();
            long pid = producerIdOf("t-listed");
            List<String> ongoing = admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get().stream()
                    .map(TransactionListing::transactionalId).toList();
            assertThat(ongoing).contains("t-listed");
            assertThat(admin.listTransactions(new ListTransactionsOptions().filterProducerIds(Set.of(pid)))
                    .all().get()).extracting(TransactionListing::transactionalId).containsExactly("t-listed");
            assertThat(admin.listTransactions(new ListTransactionsOptions().filterOnDuration(3_600_000))
                    .all().get()).extracting(TransactionListing::transactionalId).doesNotContain("t-listed");
            ProducerState state = admin.describeProducers(List.of(new TopicPartition("listed", 0)))
                    .partitionResult(new TopicPartition("listed", 0)).get().activeProducers().get(0);
            assertThat(state.producerId()).isEqualTo(pid);
            assertThat(state.currentTransactionStartOffset()).hasValue(0);
            producer.commitTransaction();
            assertThat(admin.describeProducers(List.of(new TopicPartition("listed", 0)))
                    .partitionResult(new TopicPartition("listed", 0)).get().activeProducers().get(0)
                    .currentTransactionStartOffset()).isEmpty();
            assertThat(admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get())
                    .extracting(TransactionListing::transactionalId).doesNotContain("t-listed");
        }
    }

    @Test
    void anOngoingTransactionSurvivesARestartAndIsAbortedByTheNextProducer() throws Exception {
        broker.createTopic("restart-ongoing", 1, Map.of());
        // Not closed before the restart: a clean close would abort the transaction.
        KafkaProducer<String, String> crashed = txnProducer("t-restart-ongoing", Map.of());
        crashed.initTransactions();
        crashed.beginTransaction();
        crashed.send(new ProducerRecord<>("restart-ongoing", 0, "k", "lost")).get();
        broker.restart();
        crashed.close(Duration.ZERO);
        TransactionDescription reloaded = describe("t-restart-ongoing");
        assertThat(reloaded.state()).isEqualTo(TransactionState.ONGOING);
        assertThat(reloaded.topicPartitions()).containsExactly(new TopicPartition("restart-ongoing", 0));
        try (KafkaProducer<String, String> producer = txnProducer("t-restart-ongoing", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("restart-ongoing", 0, "k", "kept"));
            producer.commitTransaction();
        }
        assertThat(markers(new TopicPartition("restart-ongoing", 0))).extracting(Marker::type)
                .containsExactly(ControlRecordType.ABORT, ControlRecordType.COMMIT);
    }

    @Test
    void aTransactionPreparedBeforeACrashIsCompletedOnReload() throws Exception {
        broker.createTopic("restart-prepared", 2, Map.of());
        TopicPartition in = new TopicPartition("restart-prepared-in", 0);
        try (KafkaProducer<String, String> producer = txnProducer("t-restart-prepared", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("restart-prepared", 0, "k", "v0"));
            producer.send(new ProducerRecord<>("restart-prepared", 1, "k", "v1"));
            producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(42)),
                    new ConsumerGroupMetadata("g-prepared"));
            TransactionFaults.stopAfterPrepare = true;
            producer.commitTransaction();
        }
        TransactionDescription prepared = describe("t-restart-prepared");
        assertThat(prepared.state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(prepared.topicPartitions()).hasSize(3);
        assertThat(markers(new TopicPartition("restart-prepared", 0))).isEmpty();
        try (Admin admin = broker.admin()) {
            assertThat(committed(admin, "g-prepared", in)).isNull();
        }

        TransactionFaults.stopAfterPrepare = false;
        broker.restart();

        // Completed on reload: markers go out as soon as this broker leads the partitions again.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(describe("t-restart-prepared").state()).isEqualTo(TransactionState.COMPLETE_COMMIT));
        long pid = producerIdOf("t-restart-prepared");
        for (int p = 0; p < 2; p++) {
            assertThat(markers(new TopicPartition("restart-prepared", p)))
                    .containsExactly(new Marker(1, pid, (short) 0, ControlRecordType.COMMIT));
        }
        try (Admin admin = broker.admin()) {
            assertThat(committed(admin, "g-prepared", in).offset()).isEqualTo(42);
        }
    }
}
