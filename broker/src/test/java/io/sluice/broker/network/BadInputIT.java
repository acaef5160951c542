package io.sluice.broker.network;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage on the wire closes the offending connection (or gets a Kafka error code) and nothing else:
 * a healthy client on another connection keeps producing and consuming, and acknowledged data stays.
 */
class BadInputIT {
    static TestBroker broker;
    static KafkaProducer<String, String> healthyProducer;
    static int acknowledged;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(Map.of(BrokerConfig.SOCKET_REQUEST_MAX_BYTES, String.valueOf(1024 * 1024)));
        broker.createTopic("victim", 1, Map.of());
        healthyProducer = broker.producer(Map.of());
        produceHealthy();
    }

    @AfterAll
    static void stop() {
        healthyProducer.close();
        broker.close();
    }

    static void produceHealthy() throws Exception {
        healthyProducer.send(new ProducerRecord<>("victim", "k", "v" + acknowledged)).get();
        acknowledged++;
    }

    static void assertBrokerStillServes() throws Exception {
        produceHealthy();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition tp = new TopicPartition("victim", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 15_000;
            while (got.size() < acknowledged && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
            }
            assertThat(got).hasSize(acknowledged);
            for (int i = 0; i < acknowledged; i++) {
                assertThat(got.get(i).value()).isEqualTo("v" + i);
            }
        }
    }

    @Test
    void randomBytesCloseOnlyThatConnection() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            try (RawConnection raw = RawConnection.to(broker)) {
                byte[] garbage = new byte[8 + random.nextInt(200)];
                random.nextBytes(garbage);
                // A plausible frame length so the bytes reach the request decoder, not just the framer.
                ByteBuffer.wrap(garbage).putInt(garbage.length - 4);
                raw.writeBytes(garbage);
                assertThat(raw.closedByBroker()).as("round %d", round).isTrue();
            }
        }
        assertBrokerStillServes();
    }

    @Test
    void oversizedFrameIsRejected() throws Exception {
        try (RawConnection raw = RawConnection.to(broker)) {
            raw.writeBytes(ByteBuffer.allocate(8).putInt(50 * 1024 * 1024).putInt(0).array());
            assertThat(raw.closedByBroker()).isTrue();
        }
        try (RawConnection raw = RawConnection.to(broker)) {
            raw.writeBytes(ByteBuffer.allocate(4).putInt(-5).array());
            assertThat(raw.closedByBroker()).isTrue();
        }
        assertBrokerStillServes();
    }

    @Test
    void truncatedFrameThenDisconnectLeavesBrokerHealthy() throws Exception {
        for (int i = 0; i < 10; i++) {
            try (RawConnection raw = RawConnection.to(broker)) {
                raw.writeBytes(ByteBuffer.allocate(14).putInt(1000).putShort((short) 18).putShort((short) 3).putInt(7).array());
            }
        }
        assertBrokerStillServes();
    }

    @Test
    void unknownApiKeyClosesConnection() throws Exception {
        try (RawConnection raw = RawConnection.to(broker)) {
            ByteBuffer frame = ByteBuffer.allocate(10).putShort((short) 9999).putShort((short) 0).putInt(1).putShort((short) -1);
            frame.flip();
            raw.writeFrame(frame);
            assertThat(raw.closedByBroker()).isTrue();
        }
        assertBrokerStillServes();
    }

    @Test
    void apiVersionsAtAnUnknownVersionGetsUnsupportedVersionWithTheSupportedList() throws Exception {
        try (RawConnection raw = RawConnection.to(broker)) {
            ApiVersionsRequest request = new ApiVersionsRequest.Builder().build((short) 3);
            ByteBuffer frame = request.serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "c", 5));
            frame.putShort(2, (short) 999); // bump the version in the header past anything known
            raw.writeFrame(frame);
            ApiVersionsResponse response = (ApiVersionsResponse) raw.receive(
                    new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "c", 5));
            assertThat(response.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(response.data().apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
        }
    }

    private static short produceError(MemoryRecords records, short acks) throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("victim")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        short version = 11;
        try (RawConnection raw = RawConnection.to(broker)) {
            RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, version, "c", 11);
            ProduceResponse response = (ProduceResponse) raw.send(header, new ProduceRequest.Builder(version, version, data).build(version));
            return response.data().responses().iterator().next().partitionResponses().get(0).errorCode();
        }
    }

    @Test
    void controlBatchFromAClientIsRefused() throws Exception {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, System.currentTimeMillis(), 0, 1000L, (short) 0,
                new org.apache.kafka.common.record.internal.EndTransactionMarker(
                        org.apache.kafka.common.record.internal.ControlRecordType.COMMIT, 0));
        assertThat(produceError(marker, (short) -1)).isEqualTo(Errors.INVALID_RECORD.code());
        assertBrokerStillServes();
    }

    @Test
    void invalidAcksIsRefused() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
        assertThat(produceError(records, (short) 2)).isEqualTo(Errors.INVALID_REQUIRED_ACKS.code());
        assertBrokerStillServes();
    }

    @Test
    void batchWithWrongCrcGetsCorruptMessageAndIsNotStored() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("key".getBytes(), "value".getBytes()));
        ByteBuffer buffer = records.buffer();
        buffer.put(buffer.limit() - 1, (byte) (buffer.get(buffer.limit() - 1) ^ 0x5A)); // flip bits in the value
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("victim")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(buffer)))));
        short version = 11; // by topic name
        try (RawConnection raw = RawConnection.to(broker)) {
            RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, version, "c", 9);
            ProduceResponse response = (ProduceResponse) raw.send(header, new ProduceRequest.Builder(version, version, data).build(version));
            assertThat(response.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.CORRUPT_MESSAGE.code());
        }
        assertBrokerStillServes();
    }
}
