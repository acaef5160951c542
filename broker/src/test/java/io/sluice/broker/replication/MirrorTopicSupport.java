package io.sluice.broker.replication;

import io.sluice.broker.log.MirrorTopicConfig;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/** What the mirror topic tests share: creating, comparing and promoting mirror topics with real clients. */
final class MirrorTopicSupport {
    private MirrorTopicSupport() {
    }

    static void createMirror(TestCluster target, String topic, int partitions, short rf, TestCluster source,
                             Map<String, String> configs) throws Exception {
        Map<String, String> all = new HashMap<>(configs);
        all.put(MirrorTopicConfig.SOURCE_BOOTSTRAP_SERVERS, source.bootstrap());
        try (Admin admin = target.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, rf).configs(all))).all().get();
        }
    }

    static void promote(TestCluster target, String topic) throws Exception {
        try (Admin admin = target.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                    new AlterConfigOp(new ConfigEntry(MirrorTopicConfig.SOURCE_BOOTSTRAP_SERVERS, ""),
                            AlterConfigOp.OpType.DELETE)))).all().get();
        }
    }

    /** Each partition's end offset (read_uncommitted: the high watermark). */
    static Map<Integer, Long> endOffsets(TestCluster cluster, String topic, int partitions) throws Exception {
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, OffsetSpec> specs = IntStream.range(0, partitions).boxed().collect(Collectors.toMap(
                    p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            return admin.listOffsets(specs).all().get().entrySet().stream().collect(Collectors.toMap(
                    e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }

    static void awaitCaughtUp(TestCluster source, TestCluster target, String topic, int partitions, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                endOffsets(target, topic, partitions).equals(endOffsets(source, topic, partitions)));
    }

    /** Every record of the topic as "partition@offset key=value", in partition and offset order. */
    static List<String> dump(TestCluster cluster, String topic, int partitions, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))) {
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                long deadline = System.currentTimeMillis() + 30_000;
                while (consumer.position(tp) < end) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new AssertionError("cannot read " + tp + " up to " + end + " (at " + consumer.position(tp) + ")");
                    }
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        out.add(p + "@" + r.offset() + " " + r.key() + "=" + r.value());
                    }
                }
            }
        }
        return out;
    }
}
