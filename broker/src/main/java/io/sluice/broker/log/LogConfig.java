package io.sluice.broker.log;

import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-topic log settings: every key of Kafka's {@link TopicConfig}, with Kafka 4.4's types, defaults and
 * validation. Most have a broker-level default ({@code retention.ms} ← {@code log.retention.ms} ←
 * {@code log.retention.minutes} ← {@code log.retention.hours}, ...: Kafka's synonyms, in precedence order);
 * a topic's overrides win over them. Keys for features Sluice lacks (tiered storage, replication throttles)
 * are accepted and validated so that tools setting them work, and have no effect.
 */
public final class LogConfig {
    /** Kafka 3.x's deprecated single bound (gone from 4.x's TopicConfig); still accepted from old tools. */
    public static final String MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG = "message.timestamp.difference.max.ms";
    /** Kafka's BrokerCompressionType names: 'producer' keeps the producer's codec. */
    public static final String[] COMPRESSION_TYPES = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
    /** java.util.zip.Deflater's levels: -1 (its default) or 1 to 9. */
    public static final ConfigDef.Validator GZIP_LEVELS = (name, value) -> {
        int level = (Integer) value;
        if (level != -1 && (level < 1 || level > 9)) {
            throw new ConfigException(name, value, "gzip levels are -1 (default) or 1 to 9");
        }
    };
    /** topic key → the broker keys that supply its default, highest precedence first (Kafka's synonyms). */
    private static final Map<String, List<String>> SYNONYMS = new LinkedHashMap<>();

    static {
        SYNONYMS.put(TopicConfig.CLEANUP_POLICY_CONFIG, List.of(BrokerConfig.LOG_CLEANUP_POLICY));
        SYNONYMS.put(TopicConfig.RETENTION_MS_CONFIG, List.of(BrokerConfig.LOG_RETENTION_MS,
                BrokerConfig.LOG_RETENTION_MINUTES, BrokerConfig.LOG_RETENTION_HOURS));
        SYNONYMS.put(TopicConfig.RETENTION_BYTES_CONFIG, List.of(BrokerConfig.LOG_RETENTION_BYTES));
        SYNONYMS.put(TopicConfig.SEGMENT_BYTES_CONFIG, List.of(BrokerConfig.LOG_SEGMENT_BYTES));
        SYNONYMS.put(TopicConfig.SEGMENT_MS_CONFIG, List.of(BrokerConfig.LOG_ROLL_MS, BrokerConfig.LOG_ROLL_HOURS));
        SYNONYMS.put(TopicConfig.SEGMENT_JITTER_MS_CONFIG,
                List.of(BrokerConfig.LOG_ROLL_JITTER_MS, BrokerConfig.LOG_ROLL_JITTER_HOURS));
        SYNONYMS.put(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, List.of(BrokerConfig.LOG_INDEX_SIZE_MAX_BYTES));
        SYNONYMS.put(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, List.of(BrokerConfig.LOG_INDEX_INTERVAL_BYTES));
        SYNONYMS.put(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, List.of(BrokerConfig.LOG_FLUSH_INTERVAL_MESSAGES));
        SYNONYMS.put(TopicConfig.FLUSH_MS_CONFIG, List.of(BrokerConfig.LOG_FLUSH_INTERVAL_MS));
        SYNONYMS.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, List.of(BrokerConfig.LOG_CLEANER_DELETE_RETENTION_MS));
        SYNONYMS.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, List.of(BrokerConfig.LOG_CLEANER_MIN_COMPACTION_LAG_MS));
        SYNONYMS.put(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, List.of(BrokerConfig.LOG_CLEANER_MAX_COMPACTION_LAG_MS));
        SYNONYMS.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, List.of(BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO));
        SYNONYMS.put(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, List.of(BrokerConfig.LOG_SEGMENT_DELETE_DELAY_MS));
        SYNONYMS.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, List.of(BrokerConfig.MESSAGE_MAX_BYTES));
        SYNONYMS.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, List.of(BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE));
        SYNONYMS.put(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
                List.of(BrokerConfig.LOG_MESSAGE_TIMESTAMP_BEFORE_MAX_MS));
        SYNONYMS.put(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG,
                List.of(BrokerConfig.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS));
        SYNONYMS.put(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG,
                List.of(BrokerConfig.LOG_MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS));
        SYNONYMS.put(TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_CONFIG,
                List.of(BrokerConfig.LOG_MESSAGE_DOWNCONVERSION_ENABLE));
        SYNONYMS.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, List.of(BrokerConfig.MIN_INSYNC_REPLICAS));
        SYNONYMS.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
                List.of(BrokerConfig.UNCLEAN_LEADER_ELECTION_ENABLE));
        SYNONYMS.put(TopicConfig.COMPRESSION_TYPE_CONFIG, List.of(BrokerConfig.COMPRESSION_TYPE));
        SYNONYMS.put(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, List.of(BrokerConfig.COMPRESSION_GZIP_LEVEL));
        SYNONYMS.put(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, List.of(BrokerConfig.COMPRESSION_LZ4_LEVEL));
        SYNONYMS.put(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, List.of(BrokerConfig.COMPRESSION_ZSTD_LEVEL));
        SYNONYMS.put(TopicConfig.PREALLOCATE_CONFIG, List.of(BrokerConfig.LOG_PREALLOCATE));
        SYNONYMS.put(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, List.of(BrokerConfig.LOG_LOCAL_RETENTION_MS));
        SYNONYMS.put(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, List.of(BrokerConfig.LOG_LOCAL_RETENTION_BYTES));
    }

    private static final ConfigDef DEFINITION = TopicConfigDefinition.build()
            .define(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG, ConfigDef.Type.LONG, Long.MAX_VALUE, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.LOW, "Deprecated (removed in Kafka 4.0, still accepted from older tools): "
                            + "before.max.ms and after.max.ms at once, where those are not set.");

    private final AbstractConfig values;
    private final Map<String, String> overrides;

    private LogConfig(Map<String, Object> merged, Map<String, String> overrides) {
        this.values = new AbstractConfig(DEFINITION, merged, false);
        this.overrides = Map.copyOf(overrides);
    }

    /** Topic settings: the broker's defaults with this topic's overrides on top. Rejects unknown keys. */
    public static LogConfig of(BrokerConfig broker, Map<String, String> topicOverrides) {
        validateOverrides(topicOverrides);
        Map<String, Object> merged = new HashMap<>();
        SYNONYMS.keySet().forEach(topicKey -> merged.put(topicKey, brokerDefault(broker, topicKey)));
        merged.putAll(topicOverrides);
        return new LogConfig(merged, topicOverrides);
    }

    /** For tests and tools that have no broker: Kafka's defaults plus the given overrides. */
    public static LogConfig defaults(Map<String, String> topicOverrides) {
        validateOverrides(topicOverrides);
        return new LogConfig(new HashMap<>(topicOverrides), topicOverrides);
    }

    /** Checks each override alone (type, range) and together (Kafka's cross-key rules); names the bad key. */
    public static void validateOverrides(Map<String, String> overrides) {
        Map<String, Object> parsed = new HashMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            ConfigDef.ConfigKey key = DEFINITION.configKeys().get(e.getKey());
            if (key == null) {
                throw new ConfigException("Unknown topic config '" + e.getKey() + "'");
            }
            if (e.getValue() == null) {
                throw new ConfigException(e.getKey(), null, "Null value not supported for topic configs");
            }
            Object value = ConfigDef.parseType(e.getKey(), e.getValue(), key.type);
            if (key.validator != null) {
                key.validator.ensureValid(e.getKey(), value);
            }
            parsed.put(e.getKey(), value);
        }
        TopicConfigDefinition.validateTogether(parsed);
    }

    /** The broker's current default for a topic key (following Kafka's synonyms), as text; null if none. */
    private static String brokerDefault(BrokerConfig broker, String topicKey) {
        Object value = switch (topicKey) {
            case TopicConfig.RETENTION_MS_CONFIG -> broker.logRetentionMs();
            case TopicConfig.SEGMENT_MS_CONFIG -> broker.logRollMs();
            case TopicConfig.SEGMENT_JITTER_MS_CONFIG -> broker.logRollJitterMs();
            case TopicConfig.FLUSH_MS_CONFIG -> broker.logFlushIntervalMs();
            default -> broker.current(SYNONYMS.get(topicKey).get(0));
        };
        if (value == null) {
            return null;
        }
        ConfigDef.ConfigKey brokerKey = BrokerConfig.definition().configKeys().get(SYNONYMS.get(topicKey).get(0));
        return value instanceof Long || value instanceof Integer ? value.toString()
                : ConfigDef.convertToString(value, brokerKey.type);
    }

    /** The broker keys that supply a topic key's default, highest precedence first (Kafka's synonyms). */
    public static List<String> brokerSynonyms(String topicKey) {
        return SYNONYMS.getOrDefault(topicKey, List.of());
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    public static String brokerKeyFor(String topicKey) {
        List<String> synonyms = SYNONYMS.get(topicKey);
        return synonyms == null ? null : synonyms.get(0);
    }

    public Map<String, String> overrides() {
        return overrides;
    }

    /** Every topic setting with its effective value, as DescribeConfigs shows it. */
    public Map<String, String> describe() {
        Map<String, String> out = new java.util.TreeMap<>();
        DEFINITION.configKeys().forEach((name, key) -> {
            Object v = values.values().get(name);
            out.put(name, v == null ? null : ConfigDef.convertToString(v, key.type));
        });
        return out;
    }

    public boolean compact() {
        return values.getList(TopicConfig.CLEANUP_POLICY_CONFIG).contains(TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    public boolean delete() {
        return values.getList(TopicConfig.CLEANUP_POLICY_CONFIG).contains(TopicConfig.CLEANUP_POLICY_DELETE);
    }

    public List<String> cleanupPolicy() {
        return values.getList(TopicConfig.CLEANUP_POLICY_CONFIG);
    }

    public long retentionMs() {
        return values.getLong(TopicConfig.RETENTION_MS_CONFIG);
    }

    public long retentionBytes() {
        return values.getLong(TopicConfig.RETENTION_BYTES_CONFIG);
    }

    public int segmentBytes() {
        return values.getInt(TopicConfig.SEGMENT_BYTES_CONFIG);
    }

    public long segmentMs() {
        return values.getLong(TopicConfig.SEGMENT_MS_CONFIG);
    }

    public int maxIndexSize() {
        return values.getInt(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG);
    }

    public int indexIntervalBytes() {
        return values.getInt(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG);
    }

    public long deleteRetentionMs() {
        return values.getLong(TopicConfig.DELETE_RETENTION_MS_CONFIG);
    }

    public long minCompactionLagMs() {
        return values.getLong(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
    }

    public long maxCompactionLagMs() {
        return values.getLong(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
    }

    public double minCleanableDirtyRatio() {
        return values.getDouble(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG);
    }

    public int maxMessageBytes() {
        return values.getInt(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    }

    public boolean logAppendTime() {
        return "LogAppendTime".equals(values.getString(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG));
    }

    public long flushIntervalMessages() {
        return values.getLong(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG);
    }

    public boolean uncleanLeaderElectionEnable() {
        return values.getBoolean(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG);
    }

    /** The codec batches are stored with; empty for 'producer' (each batch keeps its own). */
    public java.util.Optional<Compression> compression() {
        String type = values.getString(TopicConfig.COMPRESSION_TYPE_CONFIG);
        return switch (type) {
            case "producer" -> java.util.Optional.empty();
            case "uncompressed" -> java.util.Optional.of(Compression.NONE);
            case "gzip" -> java.util.Optional.of(Compression.gzip()
                    .level(values.getInt(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG)).build());
            case "lz4" -> java.util.Optional.of(Compression.lz4()
                    .level(values.getInt(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG)).build());
            case "zstd" -> java.util.Optional.of(Compression.zstd()
                    .level(values.getInt(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG)).build());
            default -> java.util.Optional.of(Compression.of(type).build());
        };
    }

    /**
     * How far before the broker's time a CreateTime timestamp may lie. The deprecated
     * {@code message.timestamp.difference.max.ms} stands in when this bound is not set (as in Kafka 3.6+).
     */
    public long messageTimestampBeforeMaxMs() {
        return timestampBound(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG);
    }

    /** How far after the broker's time a CreateTime timestamp may lie; see {@link #messageTimestampBeforeMaxMs}. */
    public long messageTimestampAfterMaxMs() {
        return timestampBound(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG);
    }

    private long timestampBound(String key) {
        if (overrides.containsKey(key)) {
            return values.getLong(key);
        }
        // Kafka 4's bounds have finite defaults (after: one hour), so "not set" means not set on the topic.
        long difference = values.getLong(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG);
        return difference != Long.MAX_VALUE ? difference : values.getLong(key);
    }

    public long segmentJitterMs() {
        return values.getLong(TopicConfig.SEGMENT_JITTER_MS_CONFIG);
    }

    public long fileDeleteDelayMs() {
        return values.getLong(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG);
    }

    public long flushMs() {
        return values.getLong(TopicConfig.FLUSH_MS_CONFIG);
    }

    public boolean preallocate() {
        return values.getBoolean(TopicConfig.PREALLOCATE_CONFIG);
    }

    public int minInSyncReplicas() {
        return values.getInt(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
    }

    /** {@code compression.type}: producer, uncompressed, gzip, snappy, lz4 or zstd. */
    public String compressionType() {
        return values.getString(TopicConfig.COMPRESSION_TYPE_CONFIG);
    }

    public int compressionGzipLevel() {
        return values.getInt(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG);
    }

    public int compressionLz4Level() {
        return values.getInt(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG);
    }

    public int compressionZstdLevel() {
        return values.getInt(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG);
    }

    public String messageTimestampType() {
        return values.getString(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
    }

    public int maxDecompressedMessageBytes() {
        return values.getInt(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG);
    }

    public boolean messageDownconversionEnable() {
        return values.getBoolean(TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_CONFIG);
    }

    public boolean remoteStorageEnable() {
        return values.getBoolean(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG);
    }

    public boolean errorsDeadletterqueueGroupEnable() {
        return values.getBoolean(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_CONFIG);
    }

    /**
     * Where this topic's partitions are mirrored from, when it is an offset-preserving mirror topic
     * ({@link MirrorTopicConfig}); empty for an ordinary, writable topic.
     */
    public java.util.Optional<MirrorTopicConfig.Source> mirrorSource(String topic) {
        return MirrorTopicConfig.source(values.getString(MirrorTopicConfig.SOURCE_BOOTSTRAP_SERVERS),
                values.getString(MirrorTopicConfig.SOURCE_TOPIC), topic);
    }
}
