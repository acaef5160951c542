package io.sluice.broker.api.fetch;

import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fetch sessions over the wire, with hand-made Fetch requests against a real broker: which
 * partitions an incremental response carries, and the session errors. Each test has its own topic
 * of two partitions; requests name it by id at the latest version and by name at v12.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FetchSessionsIT {
    private static final short BY_NAME = 12;
    private static final short BY_ID = ApiKeys.FETCH.latestVersion();

    static TestBroker broker;
    static KafkaProducer<String, String> producer;

    private String topic;
    private Uuid topicId;
    private RawConnection raw;
    private int correlationId;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
    }

    @AfterAll
    static void stop() {
        producer.close();
        broker.close();
    }

    @BeforeEach
    void topic(TestInfo test) throws Exception {
        topic = test.getTestMethod().orElseThrow().getName();
        broker.createTopic(topic, 2, Map.of());
        try (Admin admin = broker.admin()) {
            topicId = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
        }
        raw = RawConnection.to(broker);
    }

    @AfterEach
    void close() throws Exception {
        raw.close();
    }

    /** A fetch request as a session step: the positions it sends (partition to offset) and no wait. */
    private FetchRequestData request(short version, int sessionId, int epoch, Map<Integer, Long> positions) {
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(topicId);
        positions.forEach((partition, offset) -> t.partitions().add(new FetchRequestData.FetchPartition()
                .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20)));
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionId(sessionId).setSessionEpoch(epoch)
                .setTopics(positions.isEmpty() ? new ArrayList<>() : new ArrayList<>(List.of(t)));
    }

    private FetchRequestData forgetting(FetchRequestData request, Integer... partitions) {
        request.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic(topic).setTopicId(topicId)
                .setPartitions(List.of(partitions)));
        return request;
    }

    private RequestHeader header(short version) {
        return new RequestHeader(ApiKeys.FETCH, version, "fetch-sessions-it", ++correlationId);
    }

    private FetchResponseData send(short version, FetchRequestData request) throws Exception {
        return ((FetchResponse) raw.send(header(version), new FetchRequest(request, version))).data();
    }

    /** The partitions a response carries, by index. */
    private static Map<Integer, PartitionData> partitions(FetchResponseData response) {
        Map<Integer, PartitionData> out = new LinkedHashMap<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> out.put(p.partitionIndex(), p)));
        return out;
    }

    private static List<String> values(PartitionData p) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : ((org.apache.kafka.common.record.internal.Records) p.records()).batches()) {
            if (!batch.isControlBatch()) {
                for (Record r : batch) {
                    values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                }
            }
        }
        return values;
    }

    private void produce(int partition, String... values) throws Exception {
        for (String v : values) {
            producer.send(new ProducerRecord<>(topic, partition, null, v)).get();
        }
    }

    /** A session over both partitions from offset 0, created by a full fetch at {@code version}. */
    private int session(short version) throws Exception {
        FetchResponseData full = send(version, request(version, 0, 0, Map.of(0, 0L, 1, 0L)));
        assertThat(full.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(full.sessionId()).as("a session was created").isPositive();
        assertThat(partitions(full)).containsOnlyKeys(0, 1);
        return full.sessionId();
    }

    @Test
    void anIncrementalResponseCarriesOnlyThePartitionsWithSomethingNew() throws Exception {
        produce(0, "a0", "a1", "a2");
        produce(1, "b0", "b1");
        long servedBefore = broker.broker().fetchSessions().incrementalFetchesServed();
        FetchResponseData full = send(BY_NAME, request(BY_NAME, 0, 0, Map.of(0, 0L, 1, 0L)));
        assertThat(values(partitions(full).get(0))).containsExactly("a0", "a1", "a2");
        assertThat(values(partitions(full).get(1))).containsExactly("b0", "b1");
        int id = full.sessionId();
        assertThat(id).isPositive();

        FetchResponseData caughtUp = send(BY_NAME, request(BY_NAME, id, 1, Map.of(0, 3L, 1, 2L)));
        assertThat(caughtUp.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(caughtUp.sessionId()).isEqualTo(id);
        assertThat(partitions(caughtUp)).as("nothing new anywhere").isEmpty();

        produce(1, "b2");
        FetchResponseData next = send(BY_NAME, request(BY_NAME, id, 2, Map.of()));
        assertThat(partitions(next)).containsOnlyKeys(1);
        assertThat(values(partitions(next).get(1))).containsExactly("b2");
        assertThat(partitions(next).get(1).highWatermark()).isEqualTo(3);
        assertThat(broker.broker().fetchSessions().incrementalFetchesServed()).isGreaterThanOrEqualTo(servedBefore + 2);
    }

    @Test
    void aParkedIncrementalFetchAnswersOnlyThePartitionThatChanged() throws Exception {
        produce(0, "a0");
        produce(1, "b0");
        int id = session(BY_ID);
        assertThat(partitions(send(BY_ID, request(BY_ID, id, 1, Map.of(0, 1L, 1, 1L))))).isEmpty();

        // Sent before the record exists: the broker holds it until the append wakes it.
        FetchRequestData waiting = request(BY_ID, id, 2, Map.of()).setMaxWaitMs(30_000);
        RequestHeader header = header(BY_ID);
        raw.writeFrame(new FetchRequest(waiting, BY_ID).serializeWithHeader(header));
        produce(0, "a1");
        FetchResponseData woken = ((FetchResponse) raw.receive(header)).data();
        assertThat(woken.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(woken.responses()).allSatisfy(t -> assertThat(t.topicId()).isEqualTo(topicId));
        assertThat(partitions(woken)).containsOnlyKeys(0);
        assertThat(values(partitions(woken).get(0))).containsExactly("a1");
    }

    @Test
    void forgottenPartitionsAreNoLongerReadAndMayBeAddedBack() throws Exception {
        int id = session(BY_ID);
        assertThat(partitions(send(BY_ID, forgetting(request(BY_ID, id, 1, Map.of()), 1)))).isEmpty();
        produce(0, "a0");
        produce(1, "b0");
        FetchResponseData withoutOne = send(BY_ID, request(BY_ID, id, 2, Map.of()));
        assertThat(partitions(withoutOne)).containsOnlyKeys(0);

        FetchResponseData addedBack = send(BY_ID, request(BY_ID, id, 3, Map.of(0, 1L, 1, 0L)));
        assertThat(partitions(addedBack)).containsOnlyKeys(1);
        assertThat(values(partitions(addedBack).get(1))).containsExactly("b0");
    }

    @Test
    void aSessionIsNotBoundToItsConnection() throws Exception {
        int id = session(BY_NAME);
        produce(1, "b0");
        try (RawConnection other = RawConnection.to(broker)) {
            FetchResponseData response = ((FetchResponse) other.send(header(BY_NAME),
                    new FetchRequest(request(BY_NAME, id, 1, Map.of()), BY_NAME))).data();
            assertThat(response.sessionId()).isEqualTo(id);
            assertThat(partitions(response)).containsOnlyKeys(1);
        }
    }

    @Test
    void anUnknownSessionIdIsRefused() throws Exception {
        // Session ids are drawn below Integer.MAX_VALUE: this one never exists.
        FetchResponseData response = send(BY_ID, request(BY_ID, Integer.MAX_VALUE, 1, Map.of(0, 0L)));
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(response.sessionId()).isZero();
        assertThat(response.responses()).isEmpty();
    }

    @Test
    void aWrongEpochIsRefusedAndTheSessionGoesOn() throws Exception {
        int id = session(BY_ID);
        FetchResponseData refused = send(BY_ID, request(BY_ID, id, 2, Map.of()));
        assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(refused.responses()).isEmpty();
        FetchResponseData next = send(BY_ID, request(BY_ID, id, 1, Map.of()));
        assertThat(Errors.forCode(next.errorCode())).isEqualTo(Errors.NONE);
        assertThat(next.sessionId()).isEqualTo(id);
    }

    @Test
    void aSessionByTopicIdsIsNotContinuedByName() throws Exception {
        int id = session(BY_ID);
        FetchResponseData response = send(BY_NAME, request(BY_NAME, id, 1, Map.of()));
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
    }

    @Test
    void epochMinusOneClosesTheSession() throws Exception {
        int id = session(BY_NAME);
        FetchResponseData closing = send(BY_NAME, request(BY_NAME, id, -1, Map.of(0, 0L)));
        assertThat(closing.sessionId()).isZero();
        assertThat(partitions(closing)).containsOnlyKeys(0);
        FetchResponseData after = send(BY_NAME, request(BY_NAME, id, 1, Map.of()));
        assertThat(Errors.forCode(after.errorCode())).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
    }

    @Test
    void readCommittedIncrementalFetchesStopAtTheLastStableOffsetAndListAbortedTransactions() throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        long pid = 777;
        FetchResponseData full = send(BY_ID, request(BY_ID, 0, 0, Map.of(0, 0L)).setIsolationLevel((byte) 1));
        int id = full.sessionId();
        assertThat(id).isPositive();

        broker.broker().replicaManager().appendAsLeader(tp, MemoryRecords.withTransactionalRecords(Compression.NONE,
                pid, (short) 0, 0, new SimpleRecord("t0".getBytes()), new SimpleRecord("t1".getBytes())), (short) 1);
        PartitionData open = partitions(send(BY_ID, request(BY_ID, id, 1, Map.of()).setIsolationLevel((byte) 1))).get(0);
        assertThat(open).as("the high watermark moved").isNotNull();
        assertThat(open.highWatermark()).isEqualTo(2);
        assertThat(open.lastStableOffset()).isZero();
        assertThat(values(open)).isEmpty();

        broker.broker().replicaManager().appendAsLeader(tp, MemoryRecords.withEndTransactionMarker(
                System.currentTimeMillis(), pid, (short) 0, new EndTransactionMarker(ControlRecordType.ABORT, 0)),
                (short) 1);
        PartitionData aborted = partitions(send(BY_ID, request(BY_ID, id, 2, Map.of()).setIsolationLevel((byte) 1))).get(0);
        assertThat(aborted.lastStableOffset()).isEqualTo(3);
        assertThat(aborted.abortedTransactions()).extracting(FetchResponseData.AbortedTransaction::producerId)
                .containsExactly(pid);
        assertThat(values(aborted)).as("the aborted records, which the client drops").containsExactly("t0", "t1");

        assertThat(partitions(send(BY_ID, request(BY_ID, id, 3, Map.of(0, 3L)).setIsolationLevel((byte) 1)))).isEmpty();
    }
}
