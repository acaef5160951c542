package io.sluice.registry.serde;

import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/** Serializer and deserializer settings, with Confluent's names so existing client configs work unchanged. */
public final class AvroSerdeConfig {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String MAX_SCHEMAS_PER_SUBJECT = "max.schemas.per.subject";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";

    final String url;
    final boolean autoRegister;
    final boolean useLatestVersion;
    final SubjectNameStrategy keyStrategy;
    final SubjectNameStrategy valueStrategy;
    final boolean specificReader;
    final int maxSchemasPerSubject;
    final long latestTtlMs;

    AvroSerdeConfig(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        this.url = url == null ? null : url.toString();
        autoRegister = bool(configs, AUTO_REGISTER_SCHEMAS, true);
        useLatestVersion = bool(configs, USE_LATEST_VERSION, false);
        keyStrategy = strategy(configs.get(KEY_SUBJECT_NAME_STRATEGY));
        valueStrategy = strategy(configs.get(VALUE_SUBJECT_NAME_STRATEGY));
        specificReader = bool(configs, SPECIFIC_AVRO_READER, false);
        maxSchemasPerSubject = (int) number(configs, MAX_SCHEMAS_PER_SUBJECT, 1000);
        long ttlSec = number(configs, LATEST_CACHE_TTL_SEC, -1);
        latestTtlMs = ttlSec < 0 ? -1 : ttlSec * 1000;
    }

    String requireUrl() {
        if (url == null || url.isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, null, "is required");
        }
        return url;
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean defaultValue) {
        Object value = configs.get(key);
        return value == null ? defaultValue : Boolean.parseBoolean(value.toString());
    }

    private static long number(Map<String, ?> configs, String key, long defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a number");
        }
    }

    /**
     * A strategy given as instance, class or class name. Confluent's class names are accepted too and mean the
     * strategy of the same simple name here, so configs written for Confluent's serializers keep working.
     */
    public static SubjectNameStrategy strategy(Object value) {
        if (value == null) {
            return new TopicNameStrategy();
        }
        if (value instanceof SubjectNameStrategy strategy) {
            return strategy;
        }
        String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
        String simple = name.substring(name.lastIndexOf('.') + 1);
        switch (simple) {
            case "TopicNameStrategy":
                return new TopicNameStrategy();
            case "RecordNameStrategy":
                return new RecordNameStrategy();
            case "TopicRecordNameStrategy":
                return new TopicRecordNameStrategy();
            default:
                break;
        }
        try {
            Object instance = Class.forName(name, true, Thread.currentThread().getContextClassLoader())
                    .getDeclaredConstructor().newInstance();
            if (instance instanceof SubjectNameStrategy strategy) {
                return strategy;
            }
            throw new ConfigException("Subject name strategy " + name + " does not implement "
                    + SubjectNameStrategy.class.getName());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException("Cannot load subject name strategy " + name + ": " + e);
        }
    }
}
