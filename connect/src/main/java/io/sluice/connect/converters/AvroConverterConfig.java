package io.sluice.connect.converters;

import io.sluice.registry.serde.AvroSerdeConfig;
import io.sluice.registry.serde.SubjectNameStrategy;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.util.Map;

/** {@link AvroConverter}'s settings, with the names Confluent's converter uses so existing worker configs carry over. */
final class AvroConverterConfig extends AbstractConfig {
    static final String SCHEMA_REGISTRY_URL = AvroSerdeConfig.SCHEMA_REGISTRY_URL;
    static final String AUTO_REGISTER_SCHEMAS = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS;
    static final String USE_LATEST_VERSION = AvroSerdeConfig.USE_LATEST_VERSION;
    static final String KEY_SUBJECT_NAME_STRATEGY = AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY;
    static final String VALUE_SUBJECT_NAME_STRATEGY = AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY;
    static final String MAX_SCHEMAS_PER_SUBJECT = AvroSerdeConfig.MAX_SCHEMAS_PER_SUBJECT;
    static final String LATEST_CACHE_TTL_SEC = AvroSerdeConfig.LATEST_CACHE_TTL_SEC;
    static final String SCHEMAS_CACHE_SIZE = "schemas.cache.config";
    static final String CONNECT_META_DATA = "connect.meta.data";

    static final ConfigDef DEF = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Comma-separated URLs of schema registry instances.")
            .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Register a record's schema under its subject when it is not there yet.")
            .define(USE_LATEST_VERSION, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Write with the subject's latest registered schema instead of the record's own.")
            .define(KEY_SUBJECT_NAME_STRATEGY, Type.STRING, "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                    Importance.MEDIUM, "How the subject of a key schema is named (TopicNameStrategy: <topic>-key).")
            .define(VALUE_SUBJECT_NAME_STRATEGY, Type.STRING,
                    "io.confluent.kafka.serializers.subject.TopicNameStrategy", Importance.MEDIUM,
                    "How the subject of a value schema is named (TopicNameStrategy: <topic>-value).")
            .define(MAX_SCHEMAS_PER_SUBJECT, Type.INT, 1000, Importance.LOW,
                    "How many schemas per subject the registry client remembers.")
            .define(LATEST_CACHE_TTL_SEC, Type.LONG, -1L, Importance.LOW,
                    "How long the latest version of a subject is cached with use.latest.version; -1 forever.")
            .define(SCHEMAS_CACHE_SIZE, Type.INT, 1000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How many Connect-to-Avro schema translations are cached.")
            .define(CONNECT_META_DATA, Type.BOOLEAN, true, Importance.LOW,
                    "Keep Connect's schema name, version, doc and parameters in connect.* Avro schema properties.");

    AvroConverterConfig(Map<String, ?> originals) {
        super(DEF, originals);
    }

    String registryUrls() {
        return String.join(",", getList(SCHEMA_REGISTRY_URL));
    }

    SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        return AvroSerdeConfig.strategy(getString(isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY));
    }

    long latestTtlMs() {
        long seconds = getLong(LATEST_CACHE_TTL_SEC);
        return seconds < 0 ? -1 : seconds * 1000;
    }
}
