package io.sluice.broker.txn;

import io.sluice.testkit.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker (coordinator and partition leader in one child JVM) is SIGKILLed with a transaction in
 * flight and started again over the same data: committed data stays visible, the open transaction is
 * aborted once its timeout passes so the last stable offset catches up with the high watermark, and a
 * transaction that had reached PrepareCommit is completed on reload.
 */
class BrokerKillMidTransactionIT {
    private static final String TOPIC = "kill-txn";
    private static final List<TopicPartition> PARTITIONS =
            List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
    private static final Map<String, String> OVERRIDES = Map.of(
            "transaction.state.log.num.partitions", "3",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500");

    private static Admin admin(ChildBroker broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        return Admin.create(p);
    }

    private static KafkaProducer<String, String> txnProducer(ChildBroker broker, String transactionalId, int timeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> consumer(ChildBroker broker, String isolation) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(c);
    }

    private static Map<TopicPartition, Long> endOffsets(ChildBroker broker, String isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(broker, isolation)) {
            return consumer.endOffsets(PARTITIONS, Duration.ofSeconds(30));
        }
    }

    /** Every value in the topic up to the end offsets at {@code isolation}, partition by partition. */
    private static List<String> readAll(ChildBroker broker, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(broker, isolation)) {
            for (TopicPartition tp : PARTITIONS) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                long deadline = System.currentTimeMillis() + 20_000;
                while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
                }
                assertThat(consumer.position(tp)).as("position of %s (%s)", tp, isolation).isEqualTo(end);
            }
        }
        return out;
    }

    private static TransactionDescription describe(ChildBroker broker, String transactionalId) throws Exception {
        try (Admin admin = admin(broker)) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        }
    }

    private static void send(KafkaProducer<String, String> producer, String prefix) {
        for (TopicPartition tp : PARTITIONS) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", prefix + "-" + tp.partition() + "-" + i));
            }
        }
    }

    private static List<String> values(String prefix) {
        List<String> out = new ArrayList<>();
        for (TopicPartition tp : PARTITIONS) {
            for (int i = 0; i < 3; i++) {
                out.add(prefix + "-" + tp.partition() + "-" + i);
            }
        }
        return out;
    }

    @Test
    void anOpenTransactionIsAbortedAfterItsTimeoutOnceTheKilledBrokerIsBack(@TempDir Path tmp) throws Exception {
        // Long enough that the restarted broker is up before the transaction expires, so the test can
        // see the partition held at the open transaction first.
        int timeoutMs = 20_000;
        try (ChildBroker broker = new ChildBroker(tmp.resolve("data"), OVERRIDES)) {
            broker.start();
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS.size(), (short) 1))).all().get();
            }
            KafkaProducer<String, String> abandoned = txnProducer(broker, "t-killed", timeoutMs);
            abandoned.initTransactions();
            abandoned.beginTransaction();
            send(abandoned, "committed");
            abandoned.commitTransaction();
            abandoned.beginTransaction();
            send(abandoned, "open");
            abandoned.flush();
            Map<TopicPartition, Long> hwBeforeKill = endOffsets(broker, "read_uncommitted");
            assertThat(hwBeforeKill).containsValues(7L, 7L);

            broker.kill();
            // The producer never comes back: no EndTxn, only the coordinator's timeout can end it.
            abandoned.close(Duration.ZERO);
            broker.start();

            TransactionDescription reloaded = describe(broker, "t-killed");
            if (reloaded.state() == TransactionState.ONGOING) {
                assertThat(reloaded.topicPartitions()).containsExactlyInAnyOrderElementsOf(PARTITIONS);
                // Producer state rebuilt from the log: the last stable offset is held at the open transaction.
                assertThat(endOffsets(broker, "read_uncommitted")).isEqualTo(hwBeforeKill);
                assertThat(endOffsets(broker, "read_committed")).containsValues(4L, 4L);
            } else {
                // A loaded machine took longer than the timeout to restart the broker: the abort already ran.
                assertThat(reloaded.state()).isIn(TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_ABORT);
                System.err.println("BrokerKillMidTransactionIT: broker restart outlasted the transaction timeout;"
                        + " the held-LSO check was skipped, the abort is checked below");
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> describe(broker, "t-killed").state() == TransactionState.COMPLETE_ABORT);
            // The abort markers took offset 7: the LSO is back at the high watermark, nothing hangs.
            Map<TopicPartition, Long> hw = endOffsets(broker, "read_uncommitted");
            assertThat(hw).containsValues(8L, 8L);
            assertThat(endOffsets(broker, "read_committed")).isEqualTo(hw);
            assertThat(readAll(broker, "read_committed")).containsExactlyInAnyOrderElementsOf(values("committed"));
            List<String> everything = new ArrayList<>(values("committed"));
            everything.addAll(values("open"));
            assertThat(readAll(broker, "read_uncommitted")).containsExactlyInAnyOrderElementsOf(everything);

            // The transactional id is usable again: a new instance initialises and commits.
            try (KafkaProducer<String, String> successor = txnProducer(broker, "t-killed", timeoutMs)) {
                successor.initTransactions();
                successor.beginTransaction();
                send(successor, "after");
                successor.commitTransaction();
            }
            List<String> committed = new ArrayList<>(values("committed"));
            committed.addAll(values("after"));
            assertThat(readAll(broker, "read_committed")).containsExactlyInAnyOrderElementsOf(committed);
            assertThat(endOffsets(broker, "read_committed")).isEqualTo(endOffsets(broker, "read_uncommitted"));
        }
    }

    @Test
    void aTransactionKilledAfterPrepareCommitIsCompletedOnRestart(@TempDir Path tmp) throws Exception {
        TopicPartition input = new TopicPartition("kill-txn-in", 0);
        try (ChildBroker broker = new ChildBroker(tmp.resolve("data"), OVERRIDES)) {
            // This JVM persists PrepareCommit, answers EndTxn and then never writes a marker.
            broker.mainClass(StopAfterPrepareBroker.class).start();
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS.size(), (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = txnProducer(broker, "t-prepared", 60_000)) {
                producer.initTransactions();
                producer.beginTransaction();
                send(producer, "prepared");
                producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(42)),
                        new ConsumerGroupMetadata("g-prepared"));
                producer.commitTransaction();
            }
            assertThat(describe(broker, "t-prepared").state()).isEqualTo(TransactionState.PREPARE_COMMIT);
            assertThat(endOffsets(broker, "read_committed")).containsValues(0L, 0L);

            broker.kill();
            broker.mainClass(io.sluice.testkit.ChildBrokerMain.class).start();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> describe(broker, "t-prepared").state() == TransactionState.COMPLETE_COMMIT);
            Map<TopicPartition, Long> hw = endOffsets(broker, "read_uncommitted");
            assertThat(hw).containsValues(4L, 4L);
            assertThat(endOffsets(broker, "read_committed")).isEqualTo(hw);
            assertThat(readAll(broker, "read_committed")).containsExactlyInAnyOrderElementsOf(values("prepared"));
            try (Admin admin = admin(broker)) {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("g-prepared")
                        .partitionsToOffsetAndMetadata().get().get(input);
                assertThat(committed).isNotNull();
                assertThat(committed.offset()).isEqualTo(42);
            }
        }
    }
}
