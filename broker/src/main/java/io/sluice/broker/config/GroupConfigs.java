package io.sluice.broker.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/**
 * Kafka 4.x per-group configs (GROUP config resources), with Kafka's types, defaults and bounds. Sluice runs
 * the classic group protocol, so they are stored and described, and have no effect on classic groups (as in
 * Kafka, where they apply to consumer, share and streams groups).
 */
public final class GroupConfigs {
    private static final String DOC = "Kafka group config; stored and described, no effect on classic groups.";
    private static final ConfigDef DEFINITION = new ConfigDef();

    static {
        intKey("consumer.session.timeout.ms", 45_000, 1);
        intKey("consumer.heartbeat.interval.ms", 5_000, 1);
        intKey("consumer.assignment.interval.ms", 1_000, 0);
        boolKey("consumer.assignor.offload.enable", true);
        intKey("share.session.timeout.ms", 45_000, 1);
        intKey("share.heartbeat.interval.ms", 5_000, 1);
        intKey("share.record.lock.duration.ms", 30_000, 1_000);
        intKey("share.delivery.count.limit", 5, 2);
        intKey("share.partition.max.record.locks", 2_000, 100);
        DEFINITION.define("share.auto.offset.reset", Type.STRING, "latest", GroupConfigs::autoOffsetReset,
                Importance.MEDIUM, DOC);
        DEFINITION.define("share.isolation.level", Type.STRING, "read_uncommitted",
                ValidString.in("read_committed", "read_uncommitted"), Importance.MEDIUM, DOC);
        boolKey("share.renew.acknowledge.enable", true);
        intKey("share.assignment.interval.ms", 1_000, 0);
        boolKey("share.assignor.offload.enable", true);
        intKey("streams.session.timeout.ms", 45_000, 1);
        intKey("streams.heartbeat.interval.ms", 5_000, 1);
        intKey("streams.num.standby.replicas", 0, 0);
        intKey("streams.initial.rebalance.delay.ms", 3_000, 0);
        intKey("streams.assignment.interval.ms", 1_000, 0);
        boolKey("streams.assignor.offload.enable", true);
        intKey("streams.task.offset.interval.ms", 60_000, 1);
        intKey("streams.num.warmup.replicas", 2, 0);
        DEFINITION.define("streams.rack.aware.assignment.tags", Type.LIST, "", Importance.LOW, DOC);
        DEFINITION.define("streams.acceptable.recovery.lag", Type.LONG, 10_000L, Range.atLeast(0),
                Importance.MEDIUM, DOC);
        DEFINITION.define("streams.assignor.name", Type.STRING, null, Importance.MEDIUM, DOC);
        DEFINITION.define("errors.deadletterqueue.topic.name", Type.STRING, "", Importance.MEDIUM, DOC);
        boolKey("errors.deadletterqueue.copy.record.enable", false);
    }

    private GroupConfigs() {
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    /** Checks names and values; a bad one fails with a {@link ConfigException} naming the key. */
    public static void validate(Map<String, String> configs) {
        configs.forEach((name, value) -> {
            ConfigDef.ConfigKey key = DEFINITION.configKeys().get(name);
            if (key == null) {
                throw new ConfigException("Unknown group config name: " + name);
            }
            Object parsed = ConfigDef.parseType(name, value, key.type);
            if (key.validator != null) {
                key.validator.ensureValid(name, parsed);
            }
        });
    }

    private static void intKey(String name, int defaultValue, int min) {
        DEFINITION.define(name, Type.INT, defaultValue, Range.atLeast(min), Importance.MEDIUM, DOC);
    }

    private static void boolKey(String name, boolean defaultValue) {
        DEFINITION.define(name, Type.BOOLEAN, defaultValue, Importance.MEDIUM, DOC);
    }

    private static void autoOffsetReset(String name, Object value) {
        String s = (String) value;
        if (!s.equals("latest") && !s.equals("earliest") && !s.matches("by_duration:P.+")) {
            throw new ConfigException(name, value, "must be latest, earliest or by_duration:<ISO-8601 duration>");
        }
    }
}
