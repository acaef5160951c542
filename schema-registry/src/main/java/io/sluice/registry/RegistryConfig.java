package io.sluice.registry;

import io.sluice.registry.schema.CompatibilityLevel;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Registry settings, with Confluent Schema Registry's property names where it has one. Keys starting with
 * {@code kafkastore.} that are not listed here go, without the prefix, to the Kafka clients of the store
 * (for example {@code kafkastore.security.protocol}).
 */
public final class RegistryConfig {
    private static final Logger log = LoggerFactory.getLogger(RegistryConfig.class);

    public static final String LISTENERS = "listeners";
    public static final String HOST_NAME = "host.name";
    public static final String BOOTSTRAP_SERVERS = "kafkastore.bootstrap.servers";
    public static final String TOPIC = "kafkastore.topic";
    public static final String TOPIC_REPLICATION_FACTOR = "kafkastore.topic.replication.factor";
    public static final String STORE_TIMEOUT_MS = "kafkastore.timeout.ms";
    public static final String STORE_INIT_TIMEOUT_MS = "kafkastore.init.timeout.ms";
    public static final String COMPATIBILITY_LEVEL = "schema.compatibility.level";
    public static final String GROUP_ID = "schema.registry.group.id";
    public static final String LEADER_ELIGIBILITY = "leader.eligibility";
    public static final String REQUEST_MAX_BYTES = "request.max.bytes";

    private static final Set<String> KNOWN = Set.of(LISTENERS, HOST_NAME, BOOTSTRAP_SERVERS, TOPIC,
            TOPIC_REPLICATION_FACTOR, STORE_TIMEOUT_MS, STORE_INIT_TIMEOUT_MS, COMPATIBILITY_LEVEL, GROUP_ID,
            LEADER_ELIGIBILITY, REQUEST_MAX_BYTES);

    public final String listenerHost;
    public final int listenerPort;
    public final String hostName;
    public final String bootstrapServers;
    public final String topic;
    public final short replicationFactor;
    public final long storeTimeoutMs;
    public final long storeInitTimeoutMs;
    public final CompatibilityLevel defaultCompatibility;
    public final String groupId;
    public final boolean leaderEligible;
    public final long requestMaxBytes;
    /** Extra kafka-clients settings from {@code kafkastore.*} keys, prefix removed. */
    public final Map<String, Object> clientOverrides;

    private RegistryConfig(Map<String, String> values) {
        URI listener = URI.create(first(values.getOrDefault(LISTENERS, "http://127.0.0.1:8081")));
        if (!"http".equalsIgnoreCase(listener.getScheme()) || listener.getHost() == null) {
            throw new ConfigException(LISTENERS, values.get(LISTENERS), "expected http://host:port");
        }
        listenerHost = listener.getHost();
        listenerPort = listener.getPort() < 0 ? 8081 : listener.getPort();
        String host = values.get(HOST_NAME);
        if (host == null || host.isBlank()) {
            host = "0.0.0.0".equals(listenerHost) ? localHostName() : listenerHost;
        }
        hostName = host;
        bootstrapServers = stripProtocols(values.getOrDefault(BOOTSTRAP_SERVERS, "127.0.0.1:9092"));
        topic = values.getOrDefault(TOPIC, "_schemas");
        replicationFactor = (short) intValue(values, TOPIC_REPLICATION_FACTOR, 3);
        storeTimeoutMs = intValue(values, STORE_TIMEOUT_MS, 10_000);
        storeInitTimeoutMs = intValue(values, STORE_INIT_TIMEOUT_MS, 60_000);
        String level = values.getOrDefault(COMPATIBILITY_LEVEL, "BACKWARD");
        defaultCompatibility = CompatibilityLevel.parse(level);
        if (defaultCompatibility == null) {
            throw new ConfigException(COMPATIBILITY_LEVEL, level, "unknown compatibility level");
        }
        groupId = values.getOrDefault(GROUP_ID, "schema-registry");
        leaderEligible = Boolean.parseBoolean(values.getOrDefault(LEADER_ELIGIBILITY, "true"));
        requestMaxBytes = intValue(values, REQUEST_MAX_BYTES, 8 << 20);
        Map<String, Object> overrides = new HashMap<>();
        values.forEach((key, value) -> {
            if (KNOWN.contains(key)) {
                return;
            }
            if (key.startsWith("kafkastore.")) {
                overrides.put(key.substring("kafkastore.".length()), value);
            } else {
                log.warn("Ignoring unknown registry setting '{}'", key);
            }
        });
        clientOverrides = Map.copyOf(overrides);
    }

    public static RegistryConfig of(Map<String, String> values) {
        return new RegistryConfig(values);
    }

    /** The URL other instances use to reach this one once it listens on {@code port}. */
    public String advertisedUrl(int port) {
        return "http://" + hostName + ":" + port;
    }

    private static String first(String listeners) {
        return listeners.split(",")[0].trim();
    }

    private static String stripProtocols(String servers) {
        StringBuilder out = new StringBuilder();
        for (String server : servers.split(",")) {
            String s = server.trim();
            int scheme = s.indexOf("://");
            if (scheme >= 0) {
                s = s.substring(scheme + 3);
            }
            if (!s.isEmpty()) {
                out.append(out.length() == 0 ? "" : ",").append(s);
            }
        }
        return out.toString();
    }

    private static int intValue(Map<String, String> values, String key, int defaultValue) {
        String value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected an integer");
        }
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
