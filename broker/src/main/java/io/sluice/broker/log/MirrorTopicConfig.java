package io.sluice.broker.log;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;

import java.util.Map;
import java.util.Optional;

/**
 * Sluice's own topic configs that make a topic an offset-preserving mirror of a topic on another
 * (Kafka-compatible) cluster: the leader of each partition fetches the source partition and appends
 * its batches at the source's offsets, and producers are refused until the configs are removed
 * (promotion). Apache Kafka rejects these keys as unknown, which is how a mirror tool tells that its
 * target is not a Sluice cluster.
 */
public final class MirrorTopicConfig {
    /** The source cluster's bootstrap servers; setting it makes the topic a mirror. */
    public static final String SOURCE_BOOTSTRAP_SERVERS = "sluice.mirror.source.bootstrap.servers";
    /** The topic followed on the source cluster; empty: the same name as this topic. */
    public static final String SOURCE_TOPIC = "sluice.mirror.source.topic";

    /** Where a mirror topic's partitions come from. */
    public record Source(String bootstrapServers, String topic) {
        @Override
        public String toString() {
            return bootstrapServers + ":" + topic;
        }
    }

    private MirrorTopicConfig() {
    }

    static ConfigDef define(ConfigDef def) {
        return def
                .define(SOURCE_BOOTSTRAP_SERVERS, Type.STRING, "", Importance.MEDIUM,
                        "Makes this topic an offset-preserving mirror: the bootstrap servers (host:port,...) of the "
                                + "cluster whose topic it follows record for record, at the same offsets. Producers "
                                + "are refused until this config is removed (promotion).")
                .define(SOURCE_TOPIC, Type.STRING, "", Importance.MEDIUM,
                        "The topic a mirror topic follows on its source cluster; empty: the same name. Only with "
                                + SOURCE_BOOTSTRAP_SERVERS + ".");
    }

    /** Rules between the two keys, on parsed values of the keys given. */
    static void validateTogether(Map<String, Object> parsed) {
        Object bootstrap = parsed.get(SOURCE_BOOTSTRAP_SERVERS);
        Object topic = parsed.get(SOURCE_TOPIC);
        if (bootstrap != null && !((String) bootstrap).isBlank()) {
            for (String server : ((String) bootstrap).split(",")) {
                String s = server.trim();
                int colon = s.lastIndexOf(':');
                if (colon <= 0 || !s.substring(colon + 1).matches("\\d{1,5}")) {
                    throw new ConfigException(SOURCE_BOOTSTRAP_SERVERS, bootstrap,
                            "expected host:port[,host:port...], not '" + s + "'");
                }
            }
        }
        if (topic != null && !((String) topic).isBlank() && (bootstrap == null || ((String) bootstrap).isBlank())) {
            throw new ConfigException(SOURCE_TOPIC, topic, "only together with " + SOURCE_BOOTSTRAP_SERVERS);
        }
    }

    /**
     * An existing topic becomes a mirror only when it is created as one: its records so far would not be
     * the source's, at the source's offsets. A mirror's source may be changed (the source cluster moved)
     * and removed (promotion).
     *
     * @throws InvalidConfigurationException when an ordinary topic would become a mirror
     */
    public static void checkChange(String topic, Map<String, String> before, Map<String, String> after) {
        boolean was = !before.getOrDefault(SOURCE_BOOTSTRAP_SERVERS, "").isBlank();
        boolean is = after.get(SOURCE_BOOTSTRAP_SERVERS) != null && !after.get(SOURCE_BOOTSTRAP_SERVERS).isBlank();
        if (is && !was) {
            throw new InvalidConfigurationException("Topic " + topic + " exists: " + SOURCE_BOOTSTRAP_SERVERS
                    + " is set when a mirror topic is created, not on an existing topic");
        }
    }

    /** The source of a mirror topic named {@code topic} with these settings; empty for an ordinary topic. */
    static Optional<Source> source(String bootstrap, String sourceTopic, String topic) {
        if (bootstrap == null || bootstrap.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Source(bootstrap.trim(), sourceTopic == null || sourceTopic.isBlank()
                ? topic : sourceTopic.trim()));
    }
}
