package io.sluice.runtime.store;

import java.time.Duration;

/**
 * Where a {@link TopicStore} keeps its records and how long it waits: the topic (created compacted when missing
 * with these partitions and replication factor, capped with a warning by the number of brokers), the timeout of
 * one write, admin call or catch-up, and how long start-up may take to reach the cluster and read the topic to
 * its end.
 */
public record StoreSettings(String topic, int partitions, short replicationFactor, Duration timeout,
                            Duration initTimeout) {
    public StoreSettings {
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replication factor must be at least 1");
        }
    }
}
