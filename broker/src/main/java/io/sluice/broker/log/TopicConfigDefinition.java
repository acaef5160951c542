package io.sluice.broker.log;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every key of Kafka 4.4's {@link TopicConfig} with Kafka's type, default and validator (the ones Kafka's own
 * {@code LogConfig} uses), plus the rules that span keys. Documentation is Kafka's, from {@link TopicConfig}.
 */
final class TopicConfigDefinition {
    /** Kafka's replication-throttle topic keys (QuotaConfig in Kafka's server module, not in TopicConfig). */
    static final String LEADER_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    static final String FOLLOWER_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    private static final String NO_EFFECT = " (Accepted for compatibility; no effect in Sluice.)";
    /** {@code partition:broker} pairs, or {@code *} for all replicas, as Kafka's throttled-replica lists. */
    private static final Pattern THROTTLED_REPLICA = Pattern.compile("\\s*\\d+\\s*:\\s*\\d+\\s*");

    private TopicConfigDefinition() {
    }

    static ConfigDef build() {
        return MirrorTopicConfig.define(new ConfigDef())
                .define(TopicConfig.CLEANUP_POLICY_CONFIG, Type.LIST, TopicConfig.CLEANUP_POLICY_DELETE,
                        ValidList.in(TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.CLEANUP_POLICY_DELETE),
                        Importance.MEDIUM, TopicConfig.CLEANUP_POLICY_DOC)
                .define(TopicConfig.RETENTION_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(-1),
                        Importance.MEDIUM, TopicConfig.RETENTION_MS_DOC)
                .define(TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, Importance.MEDIUM,
                        TopicConfig.RETENTION_BYTES_DOC)
                // Kafka 4 asks for at least 1 MiB; Sluice keeps the lower bound of old, which its tests use.
                .define(TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1 << 30, Range.atLeast(1024), Importance.MEDIUM,
                        TopicConfig.SEGMENT_BYTES_DOC)
                .define(TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(1), Importance.MEDIUM,
                        TopicConfig.SEGMENT_MS_DOC)
                .define(TopicConfig.SEGMENT_JITTER_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.SEGMENT_JITTER_MS_DOC)
                .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10 * 1024 * 1024, Range.atLeast(8),
                        Importance.MEDIUM, TopicConfig.SEGMENT_INDEX_BYTES_DOC)
                .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.INDEX_INTERVAL_BYTES_DOC)
                .define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                        Importance.MEDIUM, TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC)
                .define(TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.FLUSH_MS_DOC)
                .define(TopicConfig.DELETE_RETENTION_MS_CONFIG, Type.LONG, 86_400_000L, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.DELETE_RETENTION_MS_DOC)
                .define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.MIN_COMPACTION_LAG_MS_DOC)
                .define(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                        Importance.MEDIUM, TopicConfig.MAX_COMPACTION_LAG_MS_DOC)
                .define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, Type.DOUBLE, 0.5, Range.between(0, 1),
                        Importance.MEDIUM, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC)
                .define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.FILE_DELETE_DELAY_MS_DOC)
                .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1024 * 1024 + 12, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.MAX_MESSAGE_BYTES_DOC)
                .define(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, Type.INT, Integer.MAX_VALUE - 8,
                        Range.between(1, Integer.MAX_VALUE - 8), Importance.MEDIUM,
                        TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime",
                        ValidString.in("CreateTime", "LogAppendTime"), Importance.MEDIUM,
                        TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE,
                        Range.atLeast(0), Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, 3_600_000L,
                        Range.atLeast(0), Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC)
                .define(TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_CONFIG, Type.BOOLEAN, true, Importance.LOW,
                        TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_DOC + NO_EFFECT)
                .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
                .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC)
                .define(TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer",
                        ValidString.in("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"), Importance.MEDIUM,
                        TopicConfig.COMPRESSION_TYPE_DOC)
                .define(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, Type.INT, -1, gzipLevel(), Importance.MEDIUM,
                        TopicConfig.COMPRESSION_GZIP_LEVEL_DOC)
                .define(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, Type.INT, 9, Range.between(1, 17), Importance.MEDIUM,
                        TopicConfig.COMPRESSION_LZ4_LEVEL_DOC)
                .define(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, Type.INT, 3, Range.between(-131072, 22),
                        Importance.MEDIUM, TopicConfig.COMPRESSION_ZSTD_LEVEL_DOC)
                .define(TopicConfig.PREALLOCATE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.PREALLOCATE_DOC)
                .define(LEADER_THROTTLED_REPLICAS, Type.LIST, "",
                        TopicConfigDefinition::throttledReplicas, Importance.MEDIUM,
                        "Replicas whose log should be throttled on the leader side during replication."
                                + NO_EFFECT)
                .define(FOLLOWER_THROTTLED_REPLICAS, Type.LIST, "",
                        TopicConfigDefinition::throttledReplicas, Importance.MEDIUM,
                        "Replicas whose log should be throttled on the follower side during replication."
                                + NO_EFFECT)
                .define(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.REMOTE_LOG_STORAGE_ENABLE_DOC + " (Sluice has no tiered storage: only false.)")
                .define(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, Type.LONG, -2L, Range.atLeast(-2),
                        Importance.MEDIUM, TopicConfig.LOCAL_LOG_RETENTION_MS_DOC + NO_EFFECT)
                .define(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, Type.LONG, -2L, Range.atLeast(-2),
                        Importance.MEDIUM, TopicConfig.LOCAL_LOG_RETENTION_BYTES_DOC + NO_EFFECT)
                .define(TopicConfig.REMOTE_LOG_COPY_DISABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.REMOTE_LOG_COPY_DISABLE_DOC + NO_EFFECT)
                .define(TopicConfig.REMOTE_COPY_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(-1),
                        Importance.MEDIUM, TopicConfig.REMOTE_COPY_LAG_MS_DOC + NO_EFFECT)
                .define(TopicConfig.REMOTE_COPY_LAG_BYTES_CONFIG, Type.LONG, -1L, Range.atLeast(-1),
                        Importance.MEDIUM, TopicConfig.REMOTE_COPY_LAG_BYTES_DOC + NO_EFFECT)
                .define(TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_DOC + NO_EFFECT)
                .define(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_DOC + NO_EFFECT);
    }

    /** Rules that span keys, on parsed values of the keys given. */
    static void validateTogether(Map<String, Object> parsed) {
        MirrorTopicConfig.validateTogether(parsed);
        Object min = parsed.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
        Object max = parsed.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
        if (min != null && max != null && (Long) min > (Long) max) {
            throw new ConfigException(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, min, "conflict: should not be larger"
                    + " than " + TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG + " (" + max + ")");
        }
        if (Boolean.TRUE.equals(parsed.get(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG))) {
            throw new ConfigException(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, true, "Tiered Storage "
                    + "functionality is disabled in the broker. Topic cannot be configured with remote log storage.");
        }
    }

    private static ConfigDef.Validator gzipLevel() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                int level = (Integer) value;
                if (level != -1 && (level < 1 || level > 9)) {
                    throw new ConfigException(name, value, "Value must be between 1 and 9, or -1");
                }
            }

            @Override
            public String toString() {
                return "[1,...,9] or -1";
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static void throttledReplicas(String name, Object value) {
        List<String> items = ((List<String>) value).stream().map(String::trim).toList();
        boolean wildcard = items.size() == 1 && items.get(0).equals("*");
        if (!wildcard && !items.stream().allMatch(i -> THROTTLED_REPLICA.matcher(i).matches())) {
            throw new ConfigException(name, value, "must be the literal '*' or a list of replicas in the "
                    + "format [partitionId]:[brokerId],[partitionId]:[brokerId],...");
        }
    }
}
