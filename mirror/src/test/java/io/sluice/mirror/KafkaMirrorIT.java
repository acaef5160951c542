package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An Apache Kafka 4.4 broker (in this JVM, KRaft) and a Sluice cluster: Kafka mirrored to Sluice keeps every record
 * (order per partition, keys, values, headers, timestamps) exactly once; offset-preserving mode towards the Kafka
 * broker is refused before the mirror starts, with the reason.
 */
class KafkaMirrorIT {
    static final int RECORDS = 3_000;

    @TempDir
    static Path kafkaDir;
    static ApacheKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = ApacheKafka.start(kafkaDir);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anApacheKafkaSourceIsMirroredToSluiceWithIntegrity() throws Exception {
        try (TestCluster sluice = TestCluster.start(1, Mirrors.BROKER);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("events", 3, (short) 1))).all().get(60, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "events-writer"),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                for (int t = 0; t < RECORDS / 100; t++) {
                    producer.beginTransaction();
                    for (int i = t * 100; i < (t + 1) * 100; i++) {
                        RecordHeaders headers = new RecordHeaders();
                        headers.add("n", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                        producer.send(new ProducerRecord<>("events", null, 1_700_000_000_000L + i, "k" + i, "v" + i,
                                headers));
                    }
                    producer.commitTransaction();
                }
            }
            try (MirrorMaker mirror = MirrorMaker.start(new MirrorMakerConfig(mm2(kafka.bootstrap(), sluice.bootstrap())),
                    Set.of())) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> count(sluice.bootstrap(), "A.events") >= RECORDS);
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> source = Mirrors.readAll(kafka.bootstrap(), "events");
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> target = Mirrors.readAll(sluice.bootstrap(), "A.events");
                assertThat(Mirrors.count(target)).isEqualTo(RECORDS);
                for (int p = 0; p < 3; p++) {
                    assertThat(describe(target.get(p))).as("partition %d", p).isEqualTo(describe(source.get(p)));
                }
            }
        }
    }

    @Test
    void offsetPreservingTowardsApacheKafkaIsRefusedWithTheReason() {
        try (TestCluster sluice = TestCluster.start(1, Mirrors.BROKER)) {
            Map<String, String> mm2 = mm2(sluice.bootstrap(), kafka.bootstrap());
            mm2.put("A->B.offset.preserving", "true");
            assertThatThrownBy(() -> MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("A->B.offset.preserving = true")
                    .hasMessageContaining("Offset-preserving mirroring needs a Sluice target");
        }
    }

    private Map<String, String> mm2(String source, String target) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("clusters", "A, B");
        p.put("A.bootstrap.servers", source);
        p.put("B.bootstrap.servers", target);
        p.put("A->B.enabled", "true");
        p.put("A->B.topics", "events");
        p.put("groups", "none");
        p.put("emit.heartbeats.enabled", "false");
        p.put("replication.factor", "1");
        p.put("offset-syncs.topic.replication.factor", "1");
        p.put("checkpoints.topic.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("refresh.topics.interval.seconds", "1");
        p.put("offset.flush.interval.ms", "1000");
        p.put("sluice.mirror.state.dir", dir.resolve("state").toString());
        return p;
    }

    private static int count(String bootstrap, String topic) {
        try {
            return Mirrors.count(Mirrors.readAll(bootstrap, topic));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static List<String> describe(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8) + "="
                + new String(r.value(), StandardCharsets.UTF_8) + "@" + r.timestamp() + Arrays.toString(
                        Arrays.stream(r.headers().toArray()).map(h -> h.key() + ":" + new String(h.value(),
                                StandardCharsets.UTF_8)).toArray())).toList();
    }
}
