package io.sluice.connect.storage;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The offsets topic store against a real broker: the topic created compacted with the asked partitions, offsets
 * surviving a new store instance, tombstones, reads that see what another writer committed just before, and
 * offsets of an aborted transaction never read.
 */
class KafkaOffsetStoreIT {
    static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private KafkaOffsetStore open(String topic) {
        return new KafkaOffsetStore(Map.of("bootstrap.servers", broker.bootstrap()), "test-" + topic, topic, 4,
                (short) 3);
    }

    @Test
    void offsetsSurviveANewStoreAndTombstonesRemoveThem() throws Exception {
        SourceOffsets first;
        try (KafkaOffsetStore store = open("store-offsets")) {
            first = new SourceOffsets("conn", store);
            first.write(Map.of(Map.of("file", "a"), Map.of("position", 10L), Map.of("file", "b"), Map.of("position", 20L)));
            assertThat(first.offset(Map.of("file", "a"))).isEqualTo(Map.of("position", 10L));
        }
        try (Admin admin = broker.admin()) {
            TopicDescription description = admin.describeTopics(List.of("store-offsets")).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get("store-offsets");
            assertThat(description.partitions()).hasSize(4);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "store-offsets");
            assertThat(admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
        try (KafkaOffsetStore store = open("store-offsets")) {
            SourceOffsets offsets = new SourceOffsets("conn", store);
            assertThat(offsets.all()).containsOnlyKeys(Map.of("file", "a"), Map.of("file", "b"));
            Map<Map<String, ?>, Map<String, ?>> tombstone = new HashMap<>();
            tombstone.put(Map.of("file", "a"), null);
            offsets.write(tombstone);
            assertThat(offsets.offset(Map.of("file", "a"))).isNull();
            assertThat(offsets.offset(Map.of("file", "b"))).isEqualTo(Map.of("position", 20L));
            // Another connector's offsets in the same topic are not this one's.
            new SourceOffsets("other", store).write(Map.of(Map.of("file", "b"), Map.of("position", 1L)));
            assertThat(offsets.all()).containsOnlyKeys(Map.of("file", "b"));
        }
    }

    @Test
    void readsCatchUpWithOtherWritersAndSkipAbortedTransactions() throws Exception {
        try (KafkaOffsetStore store = open("shared-offsets");
             KafkaProducer<byte[], byte[]> producer = broker.bytesProducer(Map.of("transactional.id", "store-writer"))) {
            byte[] key = "[\"conn\",{\"p\":1}]".getBytes(StandardCharsets.UTF_8);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("shared-offsets", key, "{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
            // Committed just now by someone else: the very next read sees it.
            assertThat(store.get(ByteBuffer.wrap(key))).isEqualTo(ByteBuffer.wrap("{\"n\":1}".getBytes(StandardCharsets.UTF_8)));

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("shared-offsets", key, "{\"n\":2}".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            producer.abortTransaction();
            assertThat(new SourceOffsets("conn", store).offset(Map.of("p", 1))).isEqualTo(Map.of("n", 1L));
        }
    }
}
