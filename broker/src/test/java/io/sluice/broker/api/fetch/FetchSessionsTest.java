package io.sluice.broker.api.fetch;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How requests map to fetch contexts, and what an incremental response carries. The "log" here is a
 * map of what each partition would answer; reads against real logs are in {@code FetchSessionsIT}.
 */
class FetchSessionsTest {
    private static final short BY_NAME = 12;
    private static final short BY_ID = 17;
    private static final Uuid ORDERS_ID = Uuid.randomUuid();

    private long now = 1_000;
    private final FetchSessions sessions = new FetchSessions(new FetchSessionCache(10, 120_000), () -> now);
    private final Map<Uuid, String> topicIds = new HashMap<>(Map.of(ORDERS_ID, "orders"));
    /** What each partition answers when read; absent: high watermark 10, no records. */
    private final Map<TopicPartition, PartitionData> log = new HashMap<>();

    private static FetchRequestData fetch(int sessionId, int epoch) {
        return new FetchRequestData().setReplicaId(-1).setMaxBytes(1 << 20).setSessionId(sessionId).setSessionEpoch(epoch);
    }

    private static FetchRequestData with(FetchRequestData request, String topic, int partition, long offset) {
        FetchRequestData.FetchTopic t = request.topics().stream().filter(x -> x.topic().equals(topic)).findFirst()
                .orElseGet(() -> {
                    FetchRequestData.FetchTopic created = new FetchRequestData.FetchTopic().setTopic(topic);
                    request.topics().add(created);
                    return created;
                });
        t.partitions().add(new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 16));
        return request;
    }

    private static FetchRequestData withId(FetchRequestData request, Uuid topicId, int partition, long offset) {
        request.topics().add(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                        .setPartitionMaxBytes(1 << 16))));
        return request;
    }

    private static FetchRequestData forgetting(FetchRequestData request, String topic, Integer... partitions) {
        request.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic(topic)
                .setPartitions(List.of(partitions)));
        return request;
    }

    private FetchContext context(FetchRequestData request, short version) {
        return sessions.newContext(request, version, false, id -> Optional.ofNullable(topicIds.get(id)));
    }

    /** Reads the context's partitions from {@link #log} and answers. */
    private FetchResponseData serve(FetchContext context) {
        List<FetchedPartition> reads = new ArrayList<>();
        for (FetchTarget target : context.targets()) {
            PartitionData pd = target.topicPartition() == null
                    ? new PartitionData().setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                    : log.getOrDefault(target.topicPartition(), offsets(10, 10, 0));
            reads.add(new FetchedPartition(target, pd.duplicate().setPartitionIndex(target.ref().partition())));
        }
        return context.respond(reads);
    }

    private FetchResponseData serve(FetchRequestData request, short version) {
        return serve(context(request, version));
    }

    private static PartitionData offsets(long highWatermark, long lastStable, long logStart) {
        return new PartitionData().setHighWatermark(highWatermark).setLastStableOffset(lastStable)
                .setLogStartOffset(logStart).setRecords(MemoryRecords.EMPTY);
    }

    private static PartitionData records(long highWatermark) {
        return offsets(highWatermark, highWatermark, 0)
                .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())));
    }

    private static List<String> partitionsIn(FetchResponseData response) {
        List<String> out = new ArrayList<>();
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (PartitionData p : t.partitions()) {
                out.add((t.topic().isEmpty() ? t.topicId().toString() : t.topic()) + "-" + p.partitionIndex());
            }
        }
        return out;
    }

    private static List<String> targetsOf(FetchContext context) {
        return context.targets().stream().map(t -> t.ref().topicName() + "-" + t.ref().partition()
                + "@" + t.position().fetchOffset()).toList();
    }

    /** A session over orders-0 and orders-1 (by name), created by a full fetch at offset 0; its id. */
    private int sessionOfTwoPartitions() {
        FetchResponseData full = serve(with(with(fetch(0, 0), "orders", 0, 0), "orders", 1, 0), BY_NAME);
        assertThat(partitionsIn(full)).containsExactly("orders-0", "orders-1");
        assertThat(full.sessionId()).isPositive();
        return full.sessionId();
    }

    @Test
    void epochMinusOneWithoutSessionIsSessionless() {
        FetchResponseData response = serve(with(fetch(0, -1), "orders", 0, 0), BY_NAME);
        assertThat(response.sessionId()).isZero();
        assertThat(partitionsIn(response)).containsExactly("orders-0");
        assertThat(sessions.sessionCount()).isZero();
    }

    @Test
    void incrementalFetchReadsTheWholeSessionAndAnswersOnlyWhatChanged() {
        int id = sessionOfTwoPartitions();
        // The fetcher moved on in orders-0 only: orders-1 is read from where the session has it.
        FetchContext next = context(with(fetch(id, 1), "orders", 0, 5), BY_NAME);
        assertThat(targetsOf(next)).containsExactly("orders-0@5", "orders-1@0");
        FetchResponseData nothingNew = serve(next);
        assertThat(nothingNew.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(nothingNew.sessionId()).isEqualTo(id);
        assertThat(partitionsIn(nothingNew)).isEmpty();

        log.put(new TopicPartition("orders", 1), records(11));
        assertThat(partitionsIn(serve(fetch(id, 2), BY_NAME))).containsExactly("orders-1");
        assertThat(sessions.incrementalFetchesServed()).isEqualTo(2);
    }

    @Test
    void changedOffsetsAreAnsweredOnceEach() {
        int id = sessionOfTwoPartitions();
        TopicPartition p0 = new TopicPartition("orders", 0);
        int epoch = 1;
        log.put(p0, offsets(12, 10, 0));
        assertThat(partitionsIn(serve(fetch(id, epoch++), BY_NAME))).as("high watermark").containsExactly("orders-0");
        assertThat(partitionsIn(serve(fetch(id, epoch++), BY_NAME))).isEmpty();
        log.put(p0, offsets(12, 12, 0));
        assertThat(partitionsIn(serve(fetch(id, epoch++), BY_NAME))).as("last stable offset").containsExactly("orders-0");
        log.put(p0, offsets(12, 12, 3));
        assertThat(partitionsIn(serve(fetch(id, epoch++), BY_NAME))).as("log start").containsExactly("orders-0");
        assertThat(partitionsIn(serve(fetch(id, epoch++), BY_NAME))).isEmpty();
    }

    @Test
    void errorsAreAlwaysAnsweredAndTheRecoveryToo() {
        int id = sessionOfTwoPartitions();
        TopicPartition p1 = new TopicPartition("orders", 1);
        log.put(p1, offsets(-1, -1, -1).setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()));
        assertThat(partitionsIn(serve(fetch(id, 1), BY_NAME))).containsExactly("orders-1");
        assertThat(partitionsIn(serve(fetch(id, 2), BY_NAME))).containsExactly("orders-1");
        // Back with the very offsets the fetcher was told before the error: still answered once.
        log.remove(p1);
        assertThat(partitionsIn(serve(fetch(id, 3), BY_NAME))).containsExactly("orders-1");
        assertThat(partitionsIn(serve(fetch(id, 4), BY_NAME))).isEmpty();
    }

    @Test
    void divergingEpochAndPreferredReplicaAreAlwaysAnswered() {
        int id = sessionOfTwoPartitions();
        log.put(new TopicPartition("orders", 0), offsets(10, 10, 0).setPreferredReadReplica(2));
        PartitionData diverging = offsets(10, 10, 0);
        diverging.divergingEpoch().setEpoch(3).setEndOffset(7);
        log.put(new TopicPartition("orders", 1), diverging);
        assertThat(partitionsIn(serve(fetch(id, 1), BY_NAME))).containsExactly("orders-0", "orders-1");
        assertThat(partitionsIn(serve(fetch(id, 2), BY_NAME))).containsExactly("orders-0", "orders-1");
    }

    @Test
    void addedPartitionsAreAnsweredAndForgottenOnesNoLongerRead() {
        int id = sessionOfTwoPartitions();
        FetchContext next = context(forgetting(with(fetch(id, 1), "orders", 2, 0), "orders", 0), BY_NAME);
        assertThat(targetsOf(next)).containsExactly("orders-1@0", "orders-2@0");
        assertThat(partitionsIn(serve(next))).as("the added partition is new to the fetcher")
                .containsExactly("orders-2");
        log.put(new TopicPartition("orders", 0), records(11));
        assertThat(partitionsIn(serve(fetch(id, 2), BY_NAME))).isEmpty();
    }

    @Test
    void forgettingEveryPartitionClosesTheSession() {
        int id = sessionOfTwoPartitions();
        FetchResponseData response = serve(forgetting(fetch(id, 1), "orders", 0, 1), BY_NAME);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.sessionId()).isZero();
        assertThat(sessions.sessionCount()).isZero();
        assertThat(serve(fetch(id, 2), BY_NAME).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
    }

    @Test
    void aPartitionThatReturnedRecordsIsReadLastNextTime() {
        int id = sessionOfTwoPartitions();
        log.put(new TopicPartition("orders", 0), records(11));
        serve(fetch(id, 1), BY_NAME);
        assertThat(targetsOf(context(fetch(id, 2), BY_NAME))).containsExactly("orders-1@0", "orders-0@0");
    }

    @Test
    void unknownSessionIdIsRefused() {
        FetchResponseData response = serve(with(fetch(424242, 1), "orders", 0, 0), BY_NAME);
        assertThat(response.errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        assertThat(response.responses()).isEmpty();
    }

    @Test
    void wrongEpochIsRefusedWithoutMovingTheSession() {
        int id = sessionOfTwoPartitions();
        FetchResponseData refused = serve(fetch(id, 7), BY_NAME);
        assertThat(refused.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
        assertThat(refused.responses()).isEmpty();
        assertThat(serve(fetch(id, 1), BY_NAME).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(serve(fetch(id, 1), BY_NAME).errorCode()).as("replayed")
                .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
    }

    @Test
    void aResponseOvertakenByTheNextRequestIsRefused() {
        int id = sessionOfTwoPartitions();
        FetchContext slow = context(fetch(id, 1), BY_NAME);
        serve(fetch(id, 2), BY_NAME);
        FetchResponseData stale = serve(slow);
        assertThat(stale.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
        assertThat(stale.responses()).isEmpty();
    }

    @Test
    void fullFetchWithASessionIdReplacesThatSession() {
        int id = sessionOfTwoPartitions();
        FetchResponseData replaced = serve(with(fetch(id, 0), "orders", 0, 0), BY_NAME);
        assertThat(replaced.sessionId()).isPositive().isNotEqualTo(id);
        assertThat(sessions.sessionCount()).isOne();
        assertThat(serve(fetch(id, 1), BY_NAME).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
    }

    @Test
    void epochMinusOneClosesTheSession() {
        int id = sessionOfTwoPartitions();
        FetchResponseData closing = serve(with(fetch(id, -1), "orders", 0, 0), BY_NAME);
        assertThat(closing.sessionId()).isZero();
        assertThat(partitionsIn(closing)).containsExactly("orders-0");
        assertThat(sessions.sessionCount()).isZero();
    }

    @Test
    void aSessionByTopicIdsIsContinuedOnlyByTopicIds() {
        FetchResponseData full = serve(withId(fetch(0, 0), ORDERS_ID, 0, 0), BY_ID);
        int id = full.sessionId();
        assertThat(full.responses().get(0).topicId()).isEqualTo(ORDERS_ID);
        assertThat(serve(fetch(id, 1), BY_NAME).errorCode()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());
        assertThat(serve(fetch(id, 1), BY_ID).errorCode()).isEqualTo(Errors.NONE.code());

        int byName = sessionOfTwoPartitions();
        assertThat(serve(fetch(byName, 1), BY_ID).errorCode()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());
    }

    @Test
    void anUnknownTopicIdStaysInTheSessionUntilItNamesATopic() {
        Uuid later = Uuid.randomUuid();
        FetchResponseData full = serve(withId(withId(fetch(0, 0), ORDERS_ID, 0, 0), later, 0, 0), BY_ID);
        assertThat(full.responses()).hasSize(2);
        assertThat(full.responses().get(1).partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
        int id = full.sessionId();

        FetchResponseData stillUnknown = serve(fetch(id, 1), BY_ID);
        assertThat(partitionsIn(stillUnknown)).containsExactly(later + "-0");

        topicIds.put(later, "payments");
        FetchContext resolved = context(fetch(id, 2), BY_ID);
        assertThat(resolved.targets()).extracting(FetchTarget::topicPartition)
                .containsExactly(new TopicPartition("orders", 0), new TopicPartition("payments", 0));
        assertThat(serve(resolved).responses()).extracting(FetchResponseData.FetchableTopicResponse::topic)
                .containsExactly("payments");
    }

    @Test
    void withoutASlotAFullFetchIsAnsweredWithoutSession() {
        FetchSessions none = new FetchSessions(new FetchSessionCache(0, 120_000), () -> now);
        FetchContext context = none.newContext(with(fetch(0, 0), "orders", 0, 0), BY_NAME, false, id -> Optional.empty());
        List<FetchedPartition> reads = context.targets().stream()
                .map(t -> new FetchedPartition(t, offsets(10, 10, 0).setPartitionIndex(0))).toList();
        FetchResponseData response = context.respond(reads);
        assertThat(response.sessionId()).isZero();
        assertThat(partitionsIn(response)).containsExactly("orders-0");
    }
}
