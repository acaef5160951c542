package io.sluice.broker.group;

import io.sluice.broker.config.BrokerConfig;

/**
 * Settings of the group coordinator, under the broker keys they come from.
 *
 * @param initialRebalanceDelayMs       {@code group.initial.rebalance.delay.ms}: how long the first rebalance of an
 *                                      empty group waits for more members (extended while members keep joining,
 *                                      capped by the rebalance timeout)
 * @param minSessionTimeoutMs           {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs           {@code group.max.session.timeout.ms}
 * @param maxSize                       {@code group.max.size}: most members in one group
 * @param offsetsRetentionMinutes       {@code offsets.retention.minutes}: offsets of an empty group expire this long
 *                                      after it became empty (or after their commit, for standalone groups)
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}
 * @param offsetsTopicNumPartitions     {@code offsets.topic.num.partitions}
 * @param offsetsCommitTimeoutMs        {@code offsets.commit.timeout.ms}: how long a write to
 *                                      {@code __consumer_offsets} waits for the in-sync replicas before it fails
 */
public record GroupConfig(int initialRebalanceDelayMs,
                          int minSessionTimeoutMs,
                          int maxSessionTimeoutMs,
                          int maxSize,
                          int offsetsRetentionMinutes,
                          long offsetsRetentionCheckIntervalMs,
                          int offsetsTopicNumPartitions,
                          int offsetsCommitTimeoutMs) {

    /** Kafka's {@code offset.metadata.max.bytes} default; commits with longer metadata are refused. */
    public static final int OFFSET_METADATA_MAX_BYTES = 4096;

    public GroupConfig {
        if (minSessionTimeoutMs > maxSessionTimeoutMs) {
            throw new IllegalArgumentException("group.min.session.timeout.ms " + minSessionTimeoutMs
                    + " is above group.max.session.timeout.ms " + maxSessionTimeoutMs);
        }
        if (offsetsTopicNumPartitions < 1 || maxSize < 1 || offsetsRetentionMinutes < 1
                || offsetsRetentionCheckIntervalMs < 1 || initialRebalanceDelayMs < 0 || offsetsCommitTimeoutMs < 1) {
            throw new IllegalArgumentException("Invalid group coordinator settings: " + this);
        }
    }

    public static GroupConfig from(BrokerConfig broker) {
        return new GroupConfig(
                broker.getInt(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS),
                broker.getInt(BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS),
                broker.getInt(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS),
                broker.getInt(BrokerConfig.GROUP_MAX_SIZE),
                broker.getInt(BrokerConfig.OFFSETS_RETENTION_MINUTES),
                broker.getLong(BrokerConfig.OFFSETS_RETENTION_CHECK_INTERVAL_MS),
                broker.getInt(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS),
                broker.getInt(BrokerConfig.OFFSETS_COMMIT_TIMEOUT_MS));
    }

    /** Apache Kafka's defaults. */
    public static GroupConfig defaults() {
        return new GroupConfig(3000, 6000, 1_800_000, Integer.MAX_VALUE, 7 * 24 * 60, 600_000L, 50, 5000);
    }

    public long offsetsRetentionMs() {
        return offsetsRetentionMinutes * 60_000L;
    }
}
