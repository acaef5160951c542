package io.sluice.mirror.source;

import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Copies its assigned source partitions into their remote partitions: key, value, headers, timestamp and partition
 * unchanged. Reads {@code read_committed}, so aborted source transactions are not mirrored. Each record's source
 * position is MM2's — partition {@code {cluster, topic, partition}}, offset {@code {offset}} — so with the
 * runtime's exactly-once support it commits with the record; the offset syncs ({@link OffsetSyncTracker}) are
 * returned from {@code poll} like records, so they ride the same transactions.
 */
public final class MirrorSourceTask extends SourceTask {
    private static final Logger log = LoggerFactory.getLogger(MirrorSourceTask.class);
    /** Marks the cluster a record was first written to, so the identity policy can refuse to mirror it back. */
    public static final String ORIGIN_HEADER = "sluice.mirror.origin";
    static final String PARTITION_CLUSTER = "cluster";
    static final String PARTITION_TOPIC = "topic";
    static final String PARTITION_PARTITION = "partition";
    static final String OFFSET = "offset";
    private static final Duration POLL = Duration.ofMillis(500);

    private final ReentrantLock consumerLock = new ReentrantLock();
    private final OffsetSyncTracker syncs = new OffsetSyncTracker();
    private KafkaConsumer<byte[], byte[]> consumer;
    private ReplicationPolicy policy;
    private String sourceAlias;
    private String targetAlias;
    private String offsetSyncsTopic;
    private boolean marksOrigin;
    private byte[] originValue;
    private volatile boolean stopping;

    @Override
    public void start(Map<String, String> props) {
        MirrorConnectorConfig config = new MirrorConnectorConfig(props);
        policy = config.replicationPolicy();
        sourceAlias = config.sourceAlias();
        targetAlias = config.targetAlias();
        offsetSyncsTopic = config.offsetSyncsTopic(policy);
        marksOrigin = config.marksOrigin();
        originValue = sourceAlias.getBytes(StandardCharsets.UTF_8);
        List<TopicPartition> partitions = MirrorSourceConnector.parse(
                props.getOrDefault(MirrorConnectorConfig.TASK_TOPIC_PARTITIONS, ""));
        Map<String, Object> settings = config.sourceConsumer();
        settings.putIfAbsent("client.id", "mirror-source-" + sourceAlias + "->" + targetAlias + "-" + partitions.hashCode());
        consumer = new KafkaConsumer<>(settings);
        consumer.assign(partitions);
        List<Map<String, Object>> keys = partitions.stream().map(this::sourcePartition).toList();
        Map<Map<String, Object>, Map<String, Object>> stored = context.offsetStorageReader().offsets(keys);
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Map<String, Object> offset = stored.get(sourcePartition(tp));
            if (offset != null && offset.get(OFFSET) instanceof Number last) {
                consumer.seek(tp, last.longValue() + 1);
                positions.put(tp, last.longValue());
            }
        }
        SyncRecovery.recover(positions, config.sourceConsumer(), config.targetConsumer(), offsetSyncsTopic,
                tp -> new TopicPartition(policy.formatRemoteTopic(sourceAlias, tp.topic()), tp.partition()),
                record -> !cameFromTarget(record), syncs);
        log.info("Mirror task {} -> {} started on {}", sourceAlias, targetAlias, partitions);
    }

    @Override
    public List<SourceRecord> poll() {
        List<SourceRecord> result = new ArrayList<>();
        for (OffsetSync sync : syncs.drain()) {
            result.add(new SourceRecord(null, null, offsetSyncsTopic, 0, Schema.BYTES_SCHEMA, sync.key(),
                    Schema.BYTES_SCHEMA, sync.value()));
        }
        ConsumerRecords<byte[], byte[]> records;
        consumerLock.lock();
        try {
            if (stopping) {
                return result.isEmpty() ? null : result;
            }
            records = consumer.poll(result.isEmpty() ? POLL : Duration.ZERO);
        } catch (WakeupException e) {
            return result.isEmpty() ? null : result;
        } finally {
            consumerLock.unlock();
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            SourceRecord mirrored = convert(record);
            if (mirrored != null) {
                result.add(mirrored);
            }
        }
        return result.isEmpty() ? null : result;
    }

    private SourceRecord convert(ConsumerRecord<byte[], byte[]> record) {
        ConnectHeaders headers = new ConnectHeaders();
        boolean hasOrigin = false;
        if (cameFromTarget(record)) {
            return null;
        }
        for (Header header : record.headers()) {
            hasOrigin |= marksOrigin && ORIGIN_HEADER.equals(header.key());
            headers.addBytes(header.key(), header.value());
        }
        if (marksOrigin && !hasOrigin) {
            headers.addBytes(ORIGIN_HEADER, originValue);
        }
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        return new SourceRecord(sourcePartition(tp), Map.of(OFFSET, record.offset()),
                policy.formatRemoteTopic(sourceAlias, record.topic()), record.partition(),
                Schema.OPTIONAL_BYTES_SCHEMA, record.key(), Schema.OPTIONAL_BYTES_SCHEMA, record.value(),
                record.timestamp(), headers);
    }

    /** With the identity policy, a record the target cluster wrote first: copying it back would loop. */
    private boolean cameFromTarget(ConsumerRecord<byte[], byte[]> record) {
        if (!marksOrigin) {
            return false;
        }
        Header origin = record.headers().lastHeader(ORIGIN_HEADER);
        return origin != null && origin.value() != null
                && targetAlias.equals(new String(origin.value(), StandardCharsets.UTF_8));
    }

    private Map<String, Object> sourcePartition(TopicPartition tp) {
        Map<String, Object> partition = new HashMap<>();
        partition.put(PARTITION_CLUSTER, sourceAlias);
        partition.put(PARTITION_TOPIC, tp.topic());
        partition.put(PARTITION_PARTITION, tp.partition());
        return partition;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (metadata == null || record.sourcePartition() == null || offsetSyncsTopic.equals(record.topic())) {
            return;
        }
        Map<String, ?> partition = record.sourcePartition();
        TopicPartition upstream = new TopicPartition((String) partition.get(PARTITION_TOPIC),
                ((Number) partition.get(PARTITION_PARTITION)).intValue());
        long upstreamOffset = ((Number) record.sourceOffset().get(OFFSET)).longValue();
        syncs.acknowledged(upstream, upstreamOffset, metadata.offset());
    }

    @Override
    public void stop() {
        stopping = true;
        if (consumer == null) {
            return;
        }
        consumer.wakeup();
        consumerLock.lock();
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Closing the mirror consumer failed", e);
        } finally {
            consumerLock.unlock();
        }
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }
}
