package io.sluice.broker.isolation;

import io.sluice.broker.log.LogConfig;
import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code isolation.level} end to end: a real broker, real {@code KafkaConsumer}s.
 *
 * <p>Until the transaction coordinator is merged nothing in the broker writes markers, so the tests
 * write them the two ways available: straight into the partition's log while the broker is down
 * (what the coordinator will do, through {@link PartitionLog#append}), and, for the test that needs a
 * marker to land while a consumer waits, through a hand-made Produce request, which the produce path
 * accepts today (Kafka refuses control batches from clients; once Sluice does too, that test should
 * end its transaction through the coordinator instead).
 */
class ReadCommittedIT {
    private static final String TOPIC = "orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final long A = 101L;
    private static final long B = 202L;
    private static final long C = 303L;

    @TempDir
    Path dataDir;

    private final Map<Long, Integer> sequences = new HashMap<>();

    private MemoryRecords txnBatch(long pid, String... values) {
        int seq = sequences.getOrDefault(pid, 0);
        sequences.put(pid, seq + values.length);
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq, records);
    }

    private static MemoryRecords marker(long pid, boolean commit) {
        return MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), pid, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0));
    }

    private static MemoryRecords plain(String value) {
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static KafkaConsumer<String, String> consumer(TestBroker broker, String isolation, int maxWaitMs) {
        KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, maxWaitMs,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2));
        consumer.assign(List.of(TP));
        consumer.seekToBeginning(List.of(TP));
        return consumer;
    }

    /** Polls until {@code expected} values arrived, then a little longer to catch anything extra. */
    private static List<String> consume(KafkaConsumer<String, String> consumer, int expected) {
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (values.size() < expected && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            values.add(r.value());
        }
        return values;
    }

    @Test
    void readCommittedSeesCommittedTransactionsOnlyAndReadUncommittedSeesAllData() {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of())) {
            broker.createTopic(TOPIC, 1, Map.of());
        }
        // A committed, B aborted, C committed, interleaved; written as the coordinator will write markers.
        try (PartitionLog log = PartitionLog.open(dataDir.resolve(TOPIC + "-0"), TP, LogConfig.defaults(Map.of()))) {
            log.append(txnBatch(A, "a1"), 0);
            log.append(txnBatch(B, "b1", "b2"), 0);
            log.append(txnBatch(A, "a2"), 0);
            log.append(plain("p1"), 0);
            log.append(txnBatch(B, "b3"), 0);
            log.append(marker(A, true), 0);
            log.append(txnBatch(C, "c1"), 0);
            log.append(marker(B, false), 0);
            log.append(txnBatch(C, "c2", "c3"), 0);
            log.append(marker(C, true), 0);
            log.append(plain("p2"), 0);
        }
        try (TestBroker broker = TestBroker.start(dataDir, Map.of());
             KafkaConsumer<String, String> committed = consumer(broker, "read_committed", 500);
             KafkaConsumer<String, String> uncommitted = consumer(broker, "read_uncommitted", 500)) {
            assertThat(consume(committed, 7)).containsExactly("a1", "a2", "p1", "c1", "c2", "c3", "p2");
            // Every data record, none of the three markers.
            assertThat(consume(uncommitted, 10))
                    .containsExactly("a1", "b1", "b2", "a2", "p1", "b3", "c1", "c2", "c3", "p2");
            assertThat(committed.position(TP)).isEqualTo(uncommitted.position(TP)).isEqualTo(13);
        }
    }

    @Test
    void aConsumerWaitingAtAnOpenTransactionProceedsWhenTheMarkerLands() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of())) {
            broker.createTopic(TOPIC, 1, Map.of());
            try (RawConnection raw = RawConnection.to(broker);
                 KafkaConsumer<String, String> committed = consumer(broker, "read_committed", 10_000);
                 KafkaConsumer<String, String> uncommitted = consumer(broker, "read_uncommitted", 500)) {
                produce(raw, plain("before"));
                produce(raw, txnBatch(A, "a1"));
                produce(raw, plain("after"));
                assertThat(consume(committed, 1)).containsExactly("before");
                // ListOffsets LATEST: the last stable offset under read_committed, the high watermark otherwise.
                assertThat(committed.endOffsets(List.of(TP))).containsEntry(TP, 1L);
                assertThat(uncommitted.endOffsets(List.of(TP))).containsEntry(TP, 3L);
                assertThat(consume(uncommitted, 3)).containsExactly("before", "a1", "after");
                // Parked in a long poll (fetch.max.wait.ms 10 s) at the last stable offset.
                assertThat(committed.poll(Duration.ofMillis(700))).isEmpty();

                long sent = System.nanoTime();
                // Markers are the coordinator's to write, straight into the log (clients may not send them).
                broker.broker().partitionLog(TP).orElseThrow().append(marker(A, true), 0);
                List<String> values = new ArrayList<>();
                while (values.size() < 2 && System.nanoTime() - sent < 20_000_000_000L) {
                    committed.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                }
                long waitedMs = (System.nanoTime() - sent) / 1_000_000;
                assertThat(values).containsExactly("a1", "after");
                // Woken by the marker, not released by the 10 s long-poll deadline.
                assertThat(waitedMs).isLessThan(9_000);
                assertThat(committed.endOffsets(List.of(TP))).containsEntry(TP, 4L);
            }
        }
    }

    private static void produce(RawConnection raw, MemoryRecords records) throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(TOPIC)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records))));
        short version = 11;
        ProduceResponse response = (ProduceResponse) raw.send(new RequestHeader(ApiKeys.PRODUCE, version, "raw", 1),
                new ProduceRequest.Builder(version, version, data).build(version));
        assertThat(response.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());
    }
}
