package io.sluice.mirror;

import io.sluice.testkit.TestCluster;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/** Test helpers: an mm2.properties for two test clusters, reading a topic whole. */
final class Mirrors {
    static final Map<String, String> BROKER = Map.of("offsets.topic.replication.factor", "1",
            "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1");

    private Mirrors() {
    }

    /** MM2 settings for A (source) -> B (target) with quick intervals and single-broker replication factors. */
    static Map<String, String> mm2(TwoClusters clusters, Path stateDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("clusters", "A, B");
        p.put("A.bootstrap.servers", clusters.source().bootstrap());
        p.put("B.bootstrap.servers", clusters.target().bootstrap());
        p.put("A->B.enabled", "true");
        p.put("replication.factor", "1");
        p.put("offset-syncs.topic.replication.factor", "1");
        p.put("checkpoints.topic.replication.factor", "1");
        p.put("heartbeats.topic.replication.factor", "1");
        p.put("refresh.topics.interval.seconds", "1");
        p.put("refresh.groups.interval.seconds", "1");
        p.put("sync.topic.configs.interval.seconds", "1");
        p.put("emit.checkpoints.interval.seconds", "1");
        p.put("sync.group.offsets.interval.seconds", "1");
        p.put("offset.flush.interval.ms", "1000");
        p.put("sluice.mirror.state.dir", stateDir.toString());
        return p;
    }

    /** Every committed record of {@code topic}, per partition, read until the end offsets of the moment. */
    static Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readAll(TestCluster cluster, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> result = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            partitions.forEach(tp -> result.put(tp.partition(), new ArrayList<>()));
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            long budget = 30_000 + total / 10;  // a 1M-record topic gets almost two more minutes
            long deadline = System.currentTimeMillis() + budget;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end in " + budget + " ms");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> result.get(r.partition()).add(r));
            }
        }
        return result;
    }

    static int count(Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records) {
        return records.values().stream().mapToInt(List::size).sum();
    }
}
