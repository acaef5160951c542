package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.cli.MirrorStatus;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A -> B through {@code sluice mirror}'s engine: records copied with integrity, remote topics following the source
 * (new topic, new partition, config change), and consumer groups failing over with translated offsets that
 * {@code connect-mirror-client}'s RemoteClusterUtils reads — none lost, none re-read.
 */
class MirrorIT {
    static final int RECORDS = 50_000;
    static final int PARTITIONS = 3;
    /** The lagging group is this far behind on each partition: 10,200 records in all, as the issue asks (10,000). */
    static final int LAG_PER_PARTITION = 3_400;
    static TwoClusters clusters;

    @TempDir
    Path dir;
    MirrorMaker mirror;

    @BeforeAll
    static void startClusters() {
        clusters = TwoClusters.start(1, 1, Mirrors.BROKER);
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    @AfterEach
    void stopMirror() {
        if (mirror != null) {
            mirror.close();
        }
    }

    private Map<String, String> mm2;

    private MirrorMaker start(Map<String, String> extra) {
        mm2 = Mirrors.mm2(clusters, dir);
        mm2.putAll(extra);
        mirror = MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of());
        return mirror;
    }

    @Test
    void mirrorsWithIntegrityAndGroupsFailOverWithNothingLostOrReRead() throws Exception {
        clusters.source().createTopic("orders", PARTITIONS, (short) 1, Map.of("retention.ms", "86400000"));
        try (KafkaProducer<String, String> producer = clusters.source().producer(
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            long base = System.currentTimeMillis() - 3_600_000;
            for (int i = 0; i < RECORDS; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>("orders", null, base + i, "k" + i, "v" + i);
                record.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
        }
        Map<TopicPartition, Long> ends;
        try (Admin admin = clusters.source().admin()) {
            ends = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition("orders", p);
                ends.put(tp, admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(tp).get().offset());
            }
        }
        Map<TopicPartition, Long> lagging = new HashMap<>();
        ends.forEach((tp, end) -> lagging.put(tp, end - LAG_PER_PARTITION));
        commit("at-head", ends);
        commit("lagging", lagging);

        start(Map.of("A->B.topics", "orders", "sync.group.offsets.enabled", "true", "groups", "at-head, lagging"));

        await().atMost(Duration.ofSeconds(60)).until(() -> Mirrors.count(readAllQuietly("A.orders")) == RECORDS);
        var source = Mirrors.readAll(clusters.source(), "orders");
        var target = Mirrors.readAll(clusters.target(), "A.orders");
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<byte[], byte[]>> a = source.get(p);
            List<ConsumerRecord<byte[], byte[]>> b = target.get(p);
            assertThat(b).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).key()).isEqualTo(a.get(i).key());
                assertThat(b.get(i).value()).isEqualTo(a.get(i).value());
                assertThat(b.get(i).timestamp()).isEqualTo(a.get(i).timestamp());
                assertThat(headers(b.get(i))).isEqualTo(headers(a.get(i)));
            }
        }
        assertThat(remoteConfig("A.orders", "retention.ms")).isEqualTo("86400000");

        // RemoteClusterUtils reads Sluice's checkpoints; the translations are exact for both groups.
        Map<String, Object> targetClient = Map.of("bootstrap.servers", clusters.target().bootstrap());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                RemoteClusterUtils.translateOffsets(targetClient, "A", "at-head", Duration.ofSeconds(5)).size() == PARTITIONS
                        && RemoteClusterUtils.translateOffsets(targetClient, "A", "lagging", Duration.ofSeconds(5)).size() == PARTITIONS);
        Map<TopicPartition, OffsetAndMetadata> head = RemoteClusterUtils.translateOffsets(targetClient, "A", "at-head",
                Duration.ofSeconds(5));
        Map<TopicPartition, OffsetAndMetadata> lag = RemoteClusterUtils.translateOffsets(targetClient, "A", "lagging",
                Duration.ofSeconds(5));
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition remote = new TopicPartition("A.orders", p);
            List<ConsumerRecord<byte[], byte[]>> b = target.get(p);
            // at the head: nothing left to read on B (zero lag)
            assertThat(head.get(remote).offset()).isGreaterThan(b.get(b.size() - 1).offset());
            // lagging: B's records from the translated offset on are exactly A's from the committed offset on
            List<String> expected = values(source.get(p), lagging.get(new TopicPartition("orders", p)));
            List<String> actual = values(b, lag.get(remote).offset());
            assertThat(actual).isEqualTo(expected).hasSize(LAG_PER_PARTITION);
        }

        // Fail over: both groups consume on B from the offsets the mirror wrote there; new records flow in meanwhile.
        await().atMost(Duration.ofSeconds(30)).until(() -> targetOffsets("at-head").equals(head)
                && targetOffsets("lagging").equals(lag));
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>("orders", i % PARTITIONS, "new" + i, "new" + i));
            }
        }
        assertThat(consumeOnTarget("at-head", 30)).hasSize(30).allMatch(v -> v.startsWith("new"));
        List<String> laggingRead = consumeOnTarget("lagging", PARTITIONS * LAG_PER_PARTITION + 30);
        assertThat(laggingRead).hasSize(PARTITIONS * LAG_PER_PARTITION + 30).doesNotHaveDuplicates();
        assertThat(laggingRead.stream().filter(v -> v.startsWith("v")).mapToInt(v -> Integer.parseInt(v.substring(1))))
                .allMatch(i -> i >= RECORDS - PARTITIONS * LAG_PER_PARTITION - 100);

        // sluice mirror status: caught up, so zero lag everywhere, and both groups' checkpoints listed
        List<MirrorStatus.FlowStatus> status = MirrorStatus.collect(new MirrorMakerConfig(mm2), Duration.ofSeconds(1));
        assertThat(status).hasSize(1);
        assertThat(status.get(0).partitions()).filteredOn(p -> p.upstream().topic().equals("orders"))
                .hasSize(PARTITIONS).allMatch(p -> p.lagRecords() == 0 && p.lagMs() == 0);
        assertThat(status.get(0).lastCheckpoints()).containsKeys("at-head", "lagging");
        assertThat(MirrorStatus.format(status)).contains("Flow A->B", "A.orders", "group lagging");
    }

    @Test
    void newTopicsNewPartitionsAndConfigChangesReachTheTarget() throws Exception {
        start(Map.of("A->B.topics", "grow.*", "groups", "none"));
        clusters.source().createTopic("grow1", 1, (short) 1, Map.of());
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            producer.send(new ProducerRecord<>("grow1", 0, "a", "first")).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Mirrors.count(readAllQuietly("A.grow1")) == 1);
        try (Admin admin = clusters.source().admin()) {
            admin.createPartitions(Map.of("grow1", NewPartitions.increaseTo(2))).all().get();
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "grow1"),
                    List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            producer.send(new ProducerRecord<>("grow1", 1, "b", "second")).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var records = readAllQuietly("A.grow1");
            return records.size() == 2 && records.get(1) != null && records.get(1).size() == 1;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> "7200000".equals(remoteConfig("A.grow1", "retention.ms")));
    }

    private Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readAllQuietly(String topic) {
        try {
            return Mirrors.readAll(clusters.target(), topic);
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static void commit(String group, Map<TopicPartition, Long> offsets) {
        try (KafkaConsumer<String, String> consumer = clusters.source().consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(commit);
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> targetOffsets(String group) throws Exception {
        try (Admin admin = clusters.target().admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, om) -> offsets.put(tp, new OffsetAndMetadata(om.offset(), om.metadata())));
            return offsets;
        }
    }

    private static List<String> consumeOnTarget(String group, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = clusters.target().consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.subscribe(List.of("A.orders"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            // a little longer: anything more would be a record read twice
            long settle = System.currentTimeMillis() + 2_000;
            while (System.currentTimeMillis() < settle) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private static List<String> values(Collection<ConsumerRecord<byte[], byte[]>> records, long from) {
        return records.stream().filter(r -> r.offset() >= from)
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> headers(ConsumerRecord<byte[], byte[]> record) {
        List<String> result = new ArrayList<>();
        for (Header header : record.headers()) {
            result.add(header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8));
        }
        return result;
    }

    private static String remoteConfig(String topic, String key) throws Exception {
        try (Admin admin = clusters.target().admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            ConfigEntry entry = admin.describeConfigs(List.of(resource)).all().get().get(resource).get(key);
            return entry == null ? null : entry.value();
        }
    }
}
