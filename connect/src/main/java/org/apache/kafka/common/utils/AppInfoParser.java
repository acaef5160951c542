package org.apache.kafka.common.utils;

import org.apache.kafka.common.metrics.Metrics;

/**
 * Compatibility bridge for plugins built against Kafka before 4.4, where this class lived in
 * {@code org.apache.kafka.common.utils}; kafka-clients 4.4 moved it to {@code ...utils.internals}. Connectors call
 * {@code AppInfoParser.getVersion()} from {@code version()} (Apache Kafka's own {@code connect-file} 4.3.1 does),
 * so without this class they fail with {@code NoClassDefFoundError} on a 4.4 runtime. Plugin class loaders take
 * {@code org.apache.kafka.common.*} from the runtime, so they find it here. Sluice's own code does not use it.
 */
public final class AppInfoParser {

    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }

    public static String getCommitId() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getCommitId();
    }

    public static void registerAppInfo(String prefix, String id, Metrics metrics, long nowMs) {
        org.apache.kafka.common.utils.internals.AppInfoParser.registerAppInfo(prefix, id, metrics, nowMs);
    }

    public static void unregisterAppInfo(String prefix, String id, Metrics metrics) {
        org.apache.kafka.common.utils.internals.AppInfoParser.unregisterAppInfo(prefix, id, metrics);
    }
}
