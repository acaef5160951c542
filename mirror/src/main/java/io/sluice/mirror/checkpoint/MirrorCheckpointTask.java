package io.sluice.mirror.checkpoint;

import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.formats.Records;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Every {@code emit.checkpoints.interval.seconds}: reads the new offset syncs, translates each assigned group's
 * committed source offsets ({@link OffsetTranslator}) and emits a checkpoint (MM2's format, to
 * {@code <source>.checkpoints.internal} on the target) for each partition whose translation changed; every
 * {@code sync.group.offsets.interval.seconds}, when enabled, writes them into the target's idle groups.
 * A partition whose translation cannot be exact yet (the mirror has not copied what the group read) keeps its
 * previous checkpoint.
 */
public final class MirrorCheckpointTask extends SourceTask {
    private static final Logger log = LoggerFactory.getLogger(MirrorCheckpointTask.class);

    private final ReentrantLock clients = new ReentrantLock();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private MirrorConnectorConfig config;
    private ReplicationPolicy policy;
    private List<String> groups;
    private String checkpointsTopic;
    private Admin sourceAdmin;
    private Admin targetAdmin;
    private OffsetSyncReader syncs;
    private PartitionProbe sourceProbe;
    private PartitionProbe targetProbe;
    private GroupOffsetWriter groupWriter;
    private final OffsetTranslator translator = new OffsetTranslator();
    private final Map<String, Map<TopicPartition, Checkpoint>> emitted = new HashMap<>();
    /** Per group and upstream partition, the newest sync's upstream offset at the group's last translation. */
    private final Map<String, Map<TopicPartition, Long>> translatedAt = new HashMap<>();
    private long nextCheckpoint;
    private long nextGroupSync;

    @Override
    public void start(Map<String, String> props) {
        config = new MirrorConnectorConfig(props);
        policy = config.replicationPolicy();
        groups = List.of(props.getOrDefault(MirrorConnectorConfig.TASK_CONSUMER_GROUPS, "").split(",")).stream()
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        checkpointsTopic = policy.checkpointsTopic(config.sourceAlias());
        sourceAdmin = Admin.create(config.sourceAdmin());
        targetAdmin = Admin.create(config.targetAdmin());
        syncs = new OffsetSyncReader(config.targetConsumer(), config.offsetSyncsTopic(policy));
        sourceProbe = new PartitionProbe(config.sourceConsumer());
        targetProbe = new PartitionProbe(config.targetConsumer());
        groupWriter = new GroupOffsetWriter(targetAdmin);
        nextCheckpoint = System.currentTimeMillis();
        nextGroupSync = System.currentTimeMillis() + config.seconds(MirrorConnectorConfig.SYNC_GROUP_OFFSETS_INTERVAL).toMillis();
        log.info("Checkpoint task {} -> {} started for groups {}", config.sourceAlias(), config.targetAlias(), groups);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long wait = nextCheckpoint - System.currentTimeMillis();
        if (wait > 0) {
            stopped.await(Math.min(wait, 1000), TimeUnit.MILLISECONDS);
            return null;
        }
        nextCheckpoint = System.currentTimeMillis() + config.seconds(MirrorConnectorConfig.EMIT_CHECKPOINTS_INTERVAL).toMillis();
        boolean syncGroups = config.getBoolean(MirrorConnectorConfig.SYNC_GROUP_OFFSETS_ENABLED)
                && System.currentTimeMillis() >= nextGroupSync;
        if (syncGroups) {
            nextGroupSync = System.currentTimeMillis() + config.seconds(MirrorConnectorConfig.SYNC_GROUP_OFFSETS_INTERVAL).toMillis();
        }
        List<SourceRecord> records = new ArrayList<>();
        clients.lock();
        try {
            if (stopped.getCount() == 0) {
                return null;
            }
            syncs.catchUp(translator::add, Duration.ofSeconds(10));
            for (String group : groups) {
                if (stopped.getCount() == 0) {
                    break;
                }
                try {
                    Map<TopicPartition, OffsetAndMetadata> translated = checkpoint(group, records);
                    if (syncGroups) {
                        groupWriter.write(group, translated);
                    }
                } catch (Exception e) {
                    log.warn("Cannot checkpoint group {} this round: {}", group, e.toString());
                }
            }
        } finally {
            clients.unlock();
        }
        return records.isEmpty() ? null : records;
    }

    /** Emits the group's changed checkpoints into {@code records}; returns all its current translations. */
    private Map<TopicPartition, OffsetAndMetadata> checkpoint(String group, List<SourceRecord> records) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = sourceAdmin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Checkpoint> last = emitted.computeIfAbsent(group, g -> new HashMap<>());
        Map<TopicPartition, Long> newestSeen = translatedAt.computeIfAbsent(group, g -> new HashMap<>());
        Map<TopicPartition, OffsetAndMetadata> translated = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
            TopicPartition upstream = entry.getKey();
            OffsetAndMetadata offset = entry.getValue();
            if (offset == null || !translator.knows(upstream)) {
                continue;
            }
            TopicPartition remote = new TopicPartition(policy.formatRemoteTopic(config.sourceAlias(), upstream.topic()),
                    upstream.partition());
            Checkpoint previous = last.get(remote);
            long[] newest = translator.newest(upstream);
            if (previous != null && previous.upstreamOffset() == offset.offset()
                    && newest[0] == newestSeen.getOrDefault(upstream, -1L)) {
                // Neither the group nor the mirror moved: the translation stands, no need to probe the clusters.
                translated.put(remote, previous.offsetAndMetadata());
                continue;
            }
            OptionalLong downstream = translator.translate(upstream, offset.offset(), tail);
            if (downstream.isEmpty()) {
                if (previous != null) {
                    translated.put(remote, previous.offsetAndMetadata());
                }
                continue;
            }
            newestSeen.put(upstream, newest[0]);
            Checkpoint checkpoint = new Checkpoint(group, remote, offset.offset(), downstream.getAsLong(),
                    offset.metadata() == null ? "" : offset.metadata());
            translated.put(remote, checkpoint.offsetAndMetadata());
            if (!checkpoint.equals(previous)) {
                last.put(remote, checkpoint);
                if (config.getBoolean(MirrorConnectorConfig.EMIT_CHECKPOINTS_ENABLED)) {
                    records.add(new SourceRecord(null, null, checkpointsTopic, 0, Schema.BYTES_SCHEMA,
                            Records.checkpointKey(checkpoint), Schema.BYTES_SCHEMA, Records.checkpointValue(checkpoint)));
                }
            }
        }
        return translated;
    }

    private final OffsetTranslator.Tail tail = new OffsetTranslator.Tail() {
        @Override
        public Optional<Boolean> sourceHasRecords(TopicPartition upstream, long from, long to) {
            return sourceProbe.firstRecord(upstream, from, to).map(Optional::isPresent);
        }

        @Override
        public long downstreamAfter(TopicPartition upstream, long lastMirrored) {
            TopicPartition remote = new TopicPartition(policy.formatRemoteTopic(config.sourceAlias(), upstream.topic()),
                    upstream.partition());
            long end = targetProbe.lastStable(remote);
            if (end <= lastMirrored + 1) {
                return lastMirrored + 1;
            }
            // Only control records (the mirror's commit markers) after the last mirrored record: the end is as good.
            return targetProbe.firstRecord(remote, lastMirrored + 1, end)
                    .filter(Optional::isEmpty).map(none -> end).orElse(lastMirrored + 1);
        }
    };

    @Override
    public void stop() {
        stopped.countDown();
        // Clients are not thread-safe: close them once the round in progress (if any) is over.
        clients.lock();
        try {
            for (AutoCloseable client : new AutoCloseable[] {syncs, sourceProbe, targetProbe, sourceAdmin, targetAdmin}) {
                Utils.closeQuietly(client, "checkpoint task client");
            }
        } finally {
            clients.unlock();
        }
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }
}
