package io.sluice.broker.api;

import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KIP-467: a produce request's invalid records come back per record (batch index and message) with
 * INVALID_RECORD / INVALID_TIMESTAMP, and the request's other partitions are written as usual.
 */
class RecordErrorsIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        broker.createTopic("compacted", 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));
        broker.createTopic("plain", 1, Map.of());
        broker.createTopic("recent-only", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "3600000",
                TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "60000"));
        broker.createTopic("recent-deprecated", 1, Map.of("message.timestamp.difference.max.ms", "3600000"));
        broker.createTopic("append-time", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime",
                TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "3600000"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void nullKeyOnCompactedTopicIsReportedPerRecordAndOtherPartitionsAreWritten() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, MemoryRecords> request = new HashMap<>();
        request.put("compacted", MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(now, bytes("k0"), bytes("v0")),
                new SimpleRecord(now, null, bytes("no key")),
                new SimpleRecord(now, bytes("k2"), bytes("v2")),
                new SimpleRecord(now, null, bytes("no key either"))));
        request.put("plain", MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(now, null, bytes("fine"))));
        Map<String, PartitionProduceResponse> response = produce(request);

        PartitionProduceResponse compacted = response.get("compacted");
        assertThat(compacted.errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
        assertThat(compacted.errorMessage()).contains("2 record errors");
        assertThat(compacted.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex)
                .containsExactly(1, 3);
        assertThat(compacted.recordErrors().get(0).batchIndexErrorMessage())
                .contains("Compacted topic cannot accept message without key").contains("compacted-0");
        assertThat(broker.broker().partitionLog(new TopicPartition("compacted", 0)).orElseThrow().logEndOffset())
                .isZero();

        PartitionProduceResponse plain = response.get("plain");
        assertThat(plain.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(plain.recordErrors()).isEmpty();
        assertThat(broker.broker().partitionLog(new TopicPartition("plain", 0)).orElseThrow().logEndOffset())
                .isPositive();
    }

    @Test
    void timestampsOutsideTheTopicsWindowAreInvalidTimestamps() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, PartitionProduceResponse> response = produce(Map.of(
                "recent-only", MemoryRecords.withRecords(Compression.gzip().build(),
                        new SimpleRecord(now, bytes("k"), bytes("ok")),
                        new SimpleRecord(now - 2 * 3_600_000L, bytes("k"), bytes("too old")),
                        new SimpleRecord(now + 600_000L, bytes("k"), bytes("too new"))),
                "recent-deprecated", MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(now - 2 * 3_600_000L, bytes("k"), bytes("too old")))));
        PartitionProduceResponse recent = response.get("recent-only");
        assertThat(recent.errorCode()).isEqualTo(Errors.INVALID_TIMESTAMP.code());
        assertThat(recent.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex)
                .containsExactly(1, 2);
        assertThat(recent.recordErrors().get(0).batchIndexErrorMessage()).contains("is out of range");
        assertThat(response.get("recent-deprecated").errorCode()).isEqualTo(Errors.INVALID_TIMESTAMP.code());

        // LogAppendTime topics take no notice of the producer's timestamps: they are replaced.
        Map<String, PartitionProduceResponse> appendTime = produce(Map.of("append-time",
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(now - 2 * 3_600_000L, bytes("k"), bytes("old")))));
        PartitionProduceResponse accepted = appendTime.get("append-time");
        assertThat(accepted.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(accepted.logAppendTimeMs()).isGreaterThanOrEqualTo(now);
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition tp = new TopicPartition("append-time", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got).hasSize(1);
            assertThat(got.get(0).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(got.get(0).timestamp()).isEqualTo(accepted.logAppendTimeMs());
        }
    }

    @Test
    void kafkaProducerSurfacesTheRecordErrors() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 50,
                ProducerConfig.RETRIES_CONFIG, 0))) {
            List<Future<?>> sent = new ArrayList<>();
            sent.add(producer.send(new ProducerRecord<>("compacted", "a", "keyed")));
            sent.add(producer.send(new ProducerRecord<>("compacted", null, "unkeyed")));
            Future<?> other = producer.send(new ProducerRecord<>("plain", null, "elsewhere"));
            long old = System.currentTimeMillis() - 2 * 3_600_000L;
            Future<?> stale = producer.send(new ProducerRecord<>("recent-only", 0, old, "k", "stale"));
            producer.flush();
            assertThatThrownBy(() -> sent.get(1).get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidRecordException.class);
            assertThatThrownBy(() -> stale.get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidTimestampException.class);
            other.get();
        }
    }

    private static Map<String, PartitionProduceResponse> produce(Map<String, MemoryRecords> byTopic) throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        byTopic.forEach((topic, records) -> data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records)))));
        short version = 11;
        try (RawConnection raw = RawConnection.to(broker)) {
            ProduceResponse response = (ProduceResponse) raw.send(new RequestHeader(ApiKeys.PRODUCE, version, "raw", 1),
                    new ProduceRequest.Builder(version, version, data).build(version));
            Map<String, PartitionProduceResponse> out = new HashMap<>();
            response.data().responses().forEach(t -> out.put(t.name(), t.partitionResponses().get(0)));
            return out;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
