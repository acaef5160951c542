package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;

/**
 * Settings of the transaction coordinator, under the broker keys they come from.
 *
 * @param stateLogNumPartitions    {@code transaction.state.log.num.partitions}
 * @param stateLogReplicationFactor {@code transaction.state.log.replication.factor}
 * @param stateLogSegmentBytes     {@code transaction.state.log.segment.bytes}
 * @param stateLogMinIsr           {@code transaction.state.log.min.isr}
 * @param maxTimeoutMs             {@code transaction.max.timeout.ms}
 * @param abortTimedOutIntervalMs  {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param idExpirationMs           {@code transactional.id.expiration.ms}
 * @param removeExpiredIntervalMs  {@code transaction.remove.expired.transaction.cleanup.interval.ms}
 * @param markerRetryBackoffMs     wait before retrying markers that could not be written
 */
public record TransactionConfig(int stateLogNumPartitions, short stateLogReplicationFactor, int stateLogSegmentBytes,
                                int stateLogMinIsr, int maxTimeoutMs, long abortTimedOutIntervalMs,
                                long idExpirationMs, long removeExpiredIntervalMs, long markerRetryBackoffMs) {

    public static TransactionConfig from(BrokerConfig broker) {
        return new TransactionConfig(
                broker.getInt(BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS),
                broker.getShort(BrokerConfig.TRANSACTION_STATE_LOG_REPLICATION_FACTOR),
                broker.getInt(BrokerConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES),
                broker.getInt(BrokerConfig.TRANSACTION_STATE_LOG_MIN_ISR),
                broker.getInt(BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS),
                broker.getInt(BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS),
                broker.getInt(BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS),
                broker.getInt(BrokerConfig.TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS),
                500L);
    }
}
