package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestBroker;
import io.sluice.transactions.coordinator.TransactionLogRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code transactional.id.expiration.ms} through real clients: an idle id disappears from
 * DescribeTransactions and ListTransactions, its tombstone in {@code __transaction_state} keeps it gone
 * across a restart, its next InitProducerId gets a new producer id, and an id with a transaction open
 * is never expired.
 *
 * <p>The broker runs three times over one data directory, so no assertion depends on timing: first
 * with the default expiration (7 days, nothing can expire), then with a short one, then with the
 * default again (only the tombstone can explain an id still being gone).
 */
class TransactionalIdExpirationIT {
    private static final String IDLE = "t-idle";
    private static final String OPEN = "t-open";
    private static final String TOPIC = "expiry";

    @TempDir
    Path dataDir;

    private TestBroker start(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put(BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "1");
        return TestBroker.start(dataDir, settings);
    }

    private static KafkaProducer<String, String> producer(TestBroker broker, String transactionalId) {
        return broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
    }

    private static void commitOne(KafkaProducer<String, String> producer) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v"));
        producer.commitTransaction();
    }

    private static TransactionDescription describe(TestBroker broker, String transactionalId) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        }
    }

    private static boolean isUnknown(TestBroker broker, String transactionalId) throws Exception {
        try {
            describe(broker, transactionalId);
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return true;
            }
            throw e;
        }
    }

    private static List<String> listed(TestBroker broker) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId).toList();
        }
    }

    /** Values of the records keyed by {@code transactionalId} in {@code __transaction_state}, in log order (null: tombstone). */
    private List<ByteBuffer> stateRecords(String transactionalId) throws Exception {
        ByteBuffer key = ByteBuffer.wrap(TransactionLogRecords.key(transactionalId));
        List<ByteBuffer> values = new ArrayList<>();
        Path dir = dataDir.resolve(Topic.TRANSACTION_STATE_TOPIC_NAME + "-0");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                try (FileRecords records = FileRecords.open(new File(segment.toString()))) {
                    for (RecordBatch batch : records.batches()) {
                        for (Record record : batch) {
                            if (record.hasKey() && record.key().equals(key)) {
                                values.add(record.hasValue() ? record.value() : null);
                            }
                        }
                    }
                }
            }
        }
        return values;
    }

    @Test
    void anIdleIdExpiresAndStaysForgottenAfterARestart() throws Exception {
        long oldProducerId;
        KafkaProducer<String, String> open;
        try (TestBroker broker = start(Map.of())) {
            broker.createTopic(TOPIC, 1, Map.of());
            try (KafkaProducer<String, String> idle = producer(broker, IDLE)) {
                idle.initTransactions();
                commitOne(idle);
            }
            // Left open: closing it cleanly would abort its transaction.
            open = producer(broker, OPEN);
            open.initTransactions();
            open.beginTransaction();
            open.send(new ProducerRecord<>(TOPIC, 0, "k", "open")).get();
            TransactionDescription before = describe(broker, IDLE);
            assertThat(before.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
            oldProducerId = before.producerId();
        }
        open.close(Duration.ZERO);

        try (TestBroker broker = start(Map.of(BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS, "1000",
                BrokerConfig.TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS, "100"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> isUnknown(broker, IDLE));

            assertThat(listed(broker)).doesNotContain(IDLE).contains(OPEN);
            // Expiry ran over every id, and an id with a transaction open is not one it may take.
            assertThat(describe(broker, OPEN).state()).isEqualTo(TransactionState.ONGOING);
        }
        List<ByteBuffer> records = stateRecords(IDLE);
        assertThat(records).isNotEmpty();
        assertThat(records.get(records.size() - 1)).as("last record of " + IDLE).isNull();
        assertThat(stateRecords(OPEN)).last().isNotNull();

        try (TestBroker broker = start(Map.of())) {
            assertThat(isUnknown(broker, IDLE)).isTrue();
            assertThat(listed(broker)).doesNotContain(IDLE).contains(OPEN);

            try (KafkaProducer<String, String> again = producer(broker, IDLE)) {
                again.initTransactions();
                commitOne(again);
            }
            TransactionDescription fresh = describe(broker, IDLE);
            assertThat(fresh.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
            assertThat(fresh.producerId()).isNotEqualTo(oldProducerId);
            assertThat(fresh.producerEpoch()).isZero();
        }
    }
}
