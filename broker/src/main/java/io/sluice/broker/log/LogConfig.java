package io.sluice.broker.log;

import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-topic log settings under Kafka's topic-level names. Each has a broker-level default
 * ({@code retention.ms} ← {@code log.retention.ms}, ...); a topic's overrides win over them.
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
    /** topic key → broker key that supplies its default. */
    private static final Map<String, String> BROKER_DEFAULTS = new LinkedHashMap<>();

    static {
        BROKER_DEFAULTS.put(TopicConfig.CLEANUP_POLICY_CONFIG, BrokerConfig.LOG_CLEANUP_POLICY);
        BROKER_DEFAULTS.put(TopicConfig.RETENTION_MS_CONFIG, BrokerConfig.LOG_RETENTION_MS);
        BROKER_DEFAULTS.put(TopicConfig.RETENTION_BYTES_CONFIG, BrokerConfig.LOG_RETENTION_BYTES);
        BROKER_DEFAULTS.put(TopicConfig.SEGMENT_BYTES_CONFIG, BrokerConfig.LOG_SEGMENT_BYTES);
        BROKER_DEFAULTS.put(TopicConfig.SEGMENT_MS_CONFIG, BrokerConfig.LOG_ROLL_MS);
        BROKER_DEFAULTS.put(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, BrokerConfig.LOG_INDEX_SIZE_MAX_BYTES);
        BROKER_DEFAULTS.put(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, BrokerConfig.LOG_INDEX_INTERVAL_BYTES);
        BROKER_DEFAULTS.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, BrokerConfig.LOG_CLEANER_DELETE_RETENTION_MS);
        BROKER_DEFAULTS.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, BrokerConfig.LOG_CLEANER_MIN_COMPACTION_LAG_MS);
        BROKER_DEFAULTS.put(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, BrokerConfig.LOG_CLEANER_MAX_COMPACTION_LAG_MS);
        BROKER_DEFAULTS.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO);
        BROKER_DEFAULTS.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, BrokerConfig.MESSAGE_MAX_BYTES);
        BROKER_DEFAULTS.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE);
        BROKER_DEFAULTS.put(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, BrokerConfig.LOG_FLUSH_INTERVAL_MESSAGES);
        BROKER_DEFAULTS.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, BrokerConfig.MIN_INSYNC_REPLICAS);
        BROKER_DEFAULTS.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, BrokerConfig.UNCLEAN_LEADER_ELECTION_ENABLE);
        BROKER_DEFAULTS.put(TopicConfig.COMPRESSION_TYPE_CONFIG, BrokerConfig.COMPRESSION_TYPE);
        BROKER_DEFAULTS.put(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, BrokerConfig.COMPRESSION_GZIP_LEVEL);
        BROKER_DEFAULTS.put(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, BrokerConfig.COMPRESSION_LZ4_LEVEL);
        BROKER_DEFAULTS.put(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, BrokerConfig.COMPRESSION_ZSTD_LEVEL);
        BROKER_DEFAULTS.put(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, BrokerConfig.LOG_MESSAGE_TIMESTAMP_BEFORE_MAX_MS);
        BROKER_DEFAULTS.put(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, BrokerConfig.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS);
        BROKER_DEFAULTS.put(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG, BrokerConfig.LOG_MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS);
        BROKER_DEFAULTS.put(TopicConfig.SEGMENT_JITTER_MS_CONFIG, BrokerConfig.LOG_ROLL_JITTER_MS);
        BROKER_DEFAULTS.put(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, BrokerConfig.LOG_SEGMENT_DELETE_DELAY_MS);
        BROKER_DEFAULTS.put(TopicConfig.FLUSH_MS_CONFIG, BrokerConfig.LOG_FLUSH_INTERVAL_MS);
        BROKER_DEFAULTS.put(TopicConfig.PREALLOCATE_CONFIG, BrokerConfig.LOG_PREALLOCATE);
    }

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(TopicConfig.CLEANUP_POLICY_CONFIG, Type.LIST, "delete",
                    ConfigDef.ValidList.in(TopicConfig.CLEANUP_POLICY_DELETE, TopicConfig.CLEANUP_POLICY_COMPACT),
                    Importance.MEDIUM, TopicConfig.CLEANUP_POLICY_DOC)
            .define(TopicConfig.RETENTION_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(-1), Importance.MEDIUM,
                    TopicConfig.RETENTION_MS_DOC)
            .define(TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, Range.atLeast(-1), Importance.MEDIUM,
                    TopicConfig.RETENTION_BYTES_DOC)
            .define(TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1 << 30, Range.atLeast(1024), Importance.MEDIUM,
                    TopicConfig.SEGMENT_BYTES_DOC)
            .define(TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(1), Importance.MEDIUM,
                    TopicConfig.SEGMENT_MS_DOC)
            .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10 * 1024 * 1024, Range.atLeast(8),
                    Importance.MEDIUM, TopicConfig.SEGMENT_INDEX_BYTES_DOC)
            .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, Range.atLeast(0), Importance.MEDIUM,
                    TopicConfig.INDEX_INTERVAL_BYTES_DOC)
            .define(TopicConfig.DELETE_RETENTION_MS_CONFIG, Type.LONG, 86_400_000L, Range.atLeast(0),
                    Importance.MEDIUM, TopicConfig.DELETE_RETENTION_MS_DOC)
            .define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
                    TopicConfig.MIN_COMPACTION_LAG_MS_DOC)
            .define(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                    Importance.MEDIUM, TopicConfig.MAX_COMPACTION_LAG_MS_DOC)
            .define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, Type.DOUBLE, 0.5, Range.between(0.0, 1.0),
                    Importance.MEDIUM, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC)
            .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1024 * 1024 + 12, Range.atLeast(0),
                    Importance.MEDIUM, TopicConfig.MAX_MESSAGE_BYTES_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime",
                    ConfigDef.ValidString.in("CreateTime", "LogAppendTime"), Importance.MEDIUM,
                    TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC)
            .define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                    Importance.LOW, TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC)
            .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
            .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                    TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC)
            .define(TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer",
                    ConfigDef.ValidString.in(COMPRESSION_TYPES), Importance.MEDIUM, TopicConfig.COMPRESSION_TYPE_DOC)
            .define(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, Type.INT, -1, GZIP_LEVELS, Importance.MEDIUM,
                    TopicConfig.COMPRESSION_GZIP_LEVEL_DOC)
            .define(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, Type.INT, 9, Range.between(1, 17), Importance.MEDIUM,
                    TopicConfig.COMPRESSION_LZ4_LEVEL_DOC)
            .define(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, Type.INT, 3, Range.between(-131072, 22), Importance.MEDIUM,
                    TopicConfig.COMPRESSION_ZSTD_LEVEL_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                    Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                    Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC)
            .define(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                    Importance.LOW, "Deprecated: before.max.ms and after.max.ms at once, where those are not set.")
            .define(TopicConfig.SEGMENT_JITTER_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                    TopicConfig.SEGMENT_JITTER_MS_DOC)
            .define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.LOW,
                    TopicConfig.FILE_DELETE_DELAY_MS_DOC)
            .define(TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.LOW,
                    TopicConfig.FLUSH_MS_DOC)
            .define(TopicConfig.PREALLOCATE_CONFIG, Type.BOOLEAN, false, Importance.LOW, TopicConfig.PREALLOCATE_DOC);

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
        BROKER_DEFAULTS.forEach((topicKey, brokerKey) -> merged.put(topicKey, broker.allValues().get(brokerKey)));
        merged.putAll(topicOverrides);
        return new LogConfig(merged, topicOverrides);
    }

    /** For tests and tools that have no broker: Kafka's defaults plus the given overrides. */
    public static LogConfig defaults(Map<String, String> topicOverrides) {
        validateOverrides(topicOverrides);
        return new LogConfig(new HashMap<>(topicOverrides), topicOverrides);
    }

    public static void validateOverrides(Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            ConfigDef.ConfigKey key = DEFINITION.configKeys().get(e.getKey());
            if (key == null) {
                throw new ConfigException("Unknown topic config '" + e.getKey() + "'");
            }
            Object parsed = ConfigDef.parseType(e.getKey(), e.getValue(), key.type);
            if (key.validator != null) {
                key.validator.ensureValid(e.getKey(), parsed);
            }
        }
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    public static String brokerKeyFor(String topicKey) {
        return BROKER_DEFAULTS.get(topicKey);
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
        long bound = values.getLong(key);
        long difference = values.getLong(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG);
        return bound == Long.MAX_VALUE ? difference : bound;
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
}
