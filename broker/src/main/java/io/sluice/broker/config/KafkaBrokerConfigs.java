package io.sluice.broker.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker configs Apache Kafka 3.9 defines, read from {@code kafka-3.9-broker-configs.tsv} (generated from
 * Kafka's own {@code KafkaConfig.configDef()}), so that a properties file written for Kafka starts Sluice:
 * keys Sluice does not define itself are accepted with Kafka's type and default and have no effect.
 */
public final class KafkaBrokerConfigs {
    /** One row of the resource: Kafka's name, type, default as text (null: none) and whether it is dynamic. */
    public record Key(String name, Type type, String defaultValue, boolean dynamic) {
    }

    /** Key families Kafka accepts under a prefix (per-listener security settings, remote storage plugins). */
    private static final List<String> ACCEPTED_PREFIXES = List.of("listener.name.", "rsm.config.", "rlmm.config.");

    private static final Map<String, Key> KEYS = load();

    private KafkaBrokerConfigs() {
    }

    public static Map<String, Key> all() {
        return KEYS;
    }

    public static boolean isKafkaKey(String name) {
        return KEYS.containsKey(name) || ACCEPTED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /** Whether Kafka lets this key be changed with (Incremental)AlterConfigs on a BROKER resource. */
    public static boolean isDynamic(String name) {
        Key key = KEYS.get(name);
        return key != null && key.dynamic();
    }

    /** Adds every Kafka key {@code def} does not have yet, as a no-effect key of Kafka's type and default. */
    static void defineRemaining(ConfigDef def) {
        for (Key key : KEYS.values()) {
            if (def.names().contains(key.name())) {
                continue;
            }
            // A class name that means nothing here must not have to be loadable.
            Type type = key.type() == Type.CLASS ? Type.STRING : key.type();
            Object defaultValue = key.defaultValue() == null || type == Type.PASSWORD ? null
                    : ConfigDef.parseType(key.name(), key.defaultValue(), type);
            def.define(key.name(), type, defaultValue, ConfigDef.Importance.LOW,
                    "Apache Kafka setting, accepted for compatibility; it has no effect in Sluice.");
        }
    }

    private static Map<String, Key> load() {
        Map<String, Key> keys = new LinkedHashMap<>();
        try (InputStream in = KafkaBrokerConfigs.class.getResourceAsStream("kafka-3.9-broker-configs.tsv")) {
            if (in == null) {
                throw new IllegalStateException("kafka-3.9-broker-configs.tsv is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                keys.put(f[0], new Key(f[0], Type.valueOf(f[1]), "<null>".equals(f[2]) ? null : f[2],
                        "dynamic".equals(f[3])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(keys);
    }
}
