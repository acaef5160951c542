package io.sluice.mirror.cli;

import io.sluice.mirror.checkpoint.OffsetSyncReader;
import io.sluice.mirror.checkpoint.OffsetTranslator;
import io.sluice.mirror.checkpoint.PartitionProbe;
import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.mirror.config.MirrorMakerConfig.Flow;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.ReplicationPolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code sluice mirror status} prints, read from the clusters alone (no running mirror needed): per flow and
 * upstream partition, how far the mirror has come (its newest offset sync) against the source's end — lag in
 * records and in milliseconds (age of the oldest record not mirrored yet) — the newest checkpoint of each group,
 * and the records per second written to the remote topics over a short sample.
 */
public final class MirrorStatus {
    /** One upstream partition's lag. */
    public record PartitionLag(TopicPartition upstream, long mirroredUpTo, long sourceEnd, long lagRecords, long lagMs) {
    }

    /** One flow's status. */
    public record FlowStatus(String flow, List<PartitionLag> partitions, Map<String, Checkpoint> lastCheckpoints,
                             double recordsPerSecond) {
    }

    private MirrorStatus() {
    }

    public static List<FlowStatus> collect(MirrorMakerConfig config, Duration sample) throws InterruptedException {
        List<FlowStatus> result = new ArrayList<>();
        for (Flow flow : config.flows(Set.of())) {
            if (flow.enabled()) {
                result.add(collect(new MirrorConnectorConfig(config.connectorBase(flow)), flow, sample));
            }
        }
        return result;
    }

    private static FlowStatus collect(MirrorConnectorConfig config, Flow flow, Duration sample) throws InterruptedException {
        ReplicationPolicy policy = config.replicationPolicy();
        OffsetTranslator syncs = new OffsetTranslator();
        try (OffsetSyncReader reader = new OffsetSyncReader(config.targetConsumer(), config.offsetSyncsTopic(policy));
             PartitionProbe source = new PartitionProbe(config.sourceConsumer());
             PartitionProbe target = new PartitionProbe(config.targetConsumer())) {
            reader.catchUp(syncs::add, Duration.ofSeconds(30));
            List<PartitionLag> lags = new ArrayList<>();
            List<TopicPartition> remote = new ArrayList<>();
            List<TopicPartition> upstreams = new ArrayList<>(syncs.partitions());
            upstreams.sort(Comparator.comparing(TopicPartition::toString));
            long now = System.currentTimeMillis();
            for (TopicPartition upstream : upstreams) {
                long next = syncs.newest(upstream)[0] + 1;
                long end = source.lastStable(upstream);
                Optional<Optional<ConsumerRecord<byte[], byte[]>>> behind = source.firstRecord(upstream, next, end);
                long lag = behind.map(r -> r.isPresent() ? end - next : 0L).orElse(end - next);
                long lagMs = behind.flatMap(r -> r).map(r -> Math.max(0, now - r.timestamp())).orElse(0L);
                lags.add(new PartitionLag(upstream, next, end, Math.max(0, lag), lagMs));
                remote.add(new TopicPartition(policy.formatRemoteTopic(config.sourceAlias(), upstream.topic()),
                        upstream.partition()));
            }
            long before = ends(target, remote);
            long start = System.nanoTime();
            Thread.sleep(sample.toMillis());
            long after = ends(target, remote);
            double rate = (after - before) / ((System.nanoTime() - start) / 1e9);
            return new FlowStatus(flow.toString(), lags, lastCheckpoints(config, policy), rate);
        }
    }

    private static long ends(PartitionProbe target, List<TopicPartition> partitions) {
        long sum = 0;
        for (TopicPartition tp : partitions) {
            sum += target.lastStable(tp);
        }
        return sum;
    }

    /** Per group, its newest checkpoint (by record time) in the flow's checkpoints topic. */
    private static Map<String, Checkpoint> lastCheckpoints(MirrorConnectorConfig config, ReplicationPolicy policy) {
        Map<String, Checkpoint> newest = new TreeMap<>();
        Map<String, Long> times = new TreeMap<>();
        TopicPartition topic = new TopicPartition(policy.checkpointsTopic(config.sourceAlias()), 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config.targetConsumer())) {
            consumer.assign(List.of(topic));
            consumer.seekToBeginning(List.of(topic));
            long end = consumer.endOffsets(List.of(topic), Duration.ofSeconds(10)).get(topic);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(topic) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Checkpoint checkpoint = Checkpoint.deserializeRecord(record);
                    if (record.timestamp() >= times.getOrDefault(checkpoint.consumerGroupId(), Long.MIN_VALUE)) {
                        times.put(checkpoint.consumerGroupId(), record.timestamp());
                        newest.put(checkpoint.consumerGroupId(), checkpoint);
                    }
                }
            }
        }
        return newest;
    }

    public static String format(List<FlowStatus> flows) {
        StringBuilder out = new StringBuilder();
        for (FlowStatus flow : flows) {
            out.append(String.format("Flow %s: %.0f records/s%n", flow.flow(), flow.recordsPerSecond()));
            out.append(String.format("  %-40s %12s %12s %12s %10s%n", "PARTITION", "MIRRORED", "SOURCE-END", "LAG", "LAG-MS"));
            for (PartitionLag lag : flow.partitions()) {
                out.append(String.format("  %-40s %12d %12d %12d %10d%n", lag.upstream(), lag.mirroredUpTo(),
                        lag.sourceEnd(), lag.lagRecords(), lag.lagMs()));
            }
            flow.lastCheckpoints().forEach((group, checkpoint) -> out.append(String.format(
                    "  group %s: last checkpoint %s upstream %d -> downstream %d%n", group,
                    checkpoint.topicPartition(), checkpoint.upstreamOffset(), checkpoint.downstreamOffset())));
            if (flow.lastCheckpoints().isEmpty()) {
                out.append("  no checkpoints yet\n");
            }
        }
        if (flows.isEmpty()) {
            out.append("No enabled flows (set A->B.enabled = true)\n");
        }
        return out.toString();
    }
}
