package io.sluice.broker.api;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.DynamicConfigStore;
import io.sluice.broker.config.GroupConfigs;
import io.sluice.broker.config.KafkaBrokerConfigs;
import io.sluice.broker.log.LogConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * DescribeConfigs entries as Kafka builds them: each key's value, its source (where the value in force comes
 * from), and on request its synonyms in precedence order (topic override, then the broker keys that supply the
 * topic default in their dynamic per-broker, dynamic cluster-wide and static layers, then the default).
 */
final class ConfigDescriber {
    private final BrokerConfig broker;
    private final DynamicConfigStore dynamic;

    ConfigDescriber(BrokerConfig broker, DynamicConfigStore dynamic) {
        this.broker = broker;
        this.dynamic = dynamic;
    }

    List<DescribeConfigsResourceResult> topic(Map<String, String> overrides, Predicate<String> wanted,
                                              boolean synonyms, boolean docs) {
        List<DescribeConfigsResourceResult> out = new ArrayList<>();
        Map<String, String> values = LogConfig.of(broker, overrides).describe();
        Map<String, ConfigDef.ConfigKey> defs = LogConfig.definition().configKeys();
        values.forEach((key, value) -> {
            if (!wanted.test(key)) {
                return;
            }
            List<DescribeConfigsSynonym> chain = new ArrayList<>();
            if (overrides.containsKey(key)) {
                chain.add(synonym(key, overrides.get(key), ConfigSource.TOPIC_CONFIG));
            }
            List<String> brokerKeys = LogConfig.brokerSynonyms(key);
            brokerKeys.forEach(b -> chain.addAll(brokerLayers(b)));
            chain.add(defaultSynonym(key, brokerKeys, defs.get(key)));
            ConfigDef.ConfigKey def = defs.get(key);
            out.add(entry(key, value, ConfigSource.forId(chain.get(0).source()), def, false, docs)
                    .setSynonyms(synonyms ? chain : new ArrayList<>()));
        });
        return out;
    }

    /** A broker's configs ({@code name} = its id), or only the cluster-wide dynamic defaults ({@code name} = ""). */
    List<DescribeConfigsResourceResult> broker(String name, Predicate<String> wanted, boolean synonyms, boolean docs) {
        List<DescribeConfigsResourceResult> out = new ArrayList<>();
        Map<String, ConfigDef.ConfigKey> defs = BrokerConfig.definition().configKeys();
        if (name.isEmpty()) {
            dynamic.brokerConfigs("").forEach((key, value) -> {
                if (wanted.test(key)) {
                    out.add(entry(key, value, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, defs.get(key),
                            !KafkaBrokerConfigs.isDynamic(key), docs));
                }
            });
            return out;
        }
        broker.describe().forEach((key, staticValue) -> {
            if (!wanted.test(key)) {
                return;
            }
            List<DescribeConfigsSynonym> chain = brokerLayers(key);
            ConfigDef.ConfigKey def = defs.get(key);
            chain.add(synonym(key, def.hasDefault() && def.defaultValue != null
                    ? ConfigDef.convertToString(def.defaultValue, def.type) : null, ConfigSource.DEFAULT_CONFIG));
            DescribeConfigsSynonym top = chain.get(0);
            out.add(entry(key, top.value(), ConfigSource.forId(top.source()), def,
                    !KafkaBrokerConfigs.isDynamic(key), docs).setSynonyms(synonyms ? chain : new ArrayList<>()));
        });
        return out;
    }

    List<DescribeConfigsResourceResult> group(String group, Predicate<String> wanted, boolean synonyms, boolean docs) {
        List<DescribeConfigsResourceResult> out = new ArrayList<>();
        Map<String, String> stored = dynamic.groupConfigs(group);
        GroupConfigs.definition().configKeys().forEach((key, def) -> {
            if (!wanted.test(key)) {
                return;
            }
            String defaultValue = def.defaultValue == null ? null : ConfigDef.convertToString(def.defaultValue, def.type);
            List<DescribeConfigsSynonym> chain = new ArrayList<>();
            if (stored.containsKey(key)) {
                chain.add(synonym(key, stored.get(key), ConfigSource.GROUP_CONFIG));
            }
            chain.add(synonym(key, defaultValue, ConfigSource.DEFAULT_CONFIG));
            DescribeConfigsSynonym top = chain.get(0);
            out.add(entry(key, top.value(), ConfigSource.forId(top.source()), def, false, docs)
                    .setSynonyms(synonyms ? chain : new ArrayList<>()));
        });
        return out;
    }

    /** The layers of a broker key that hold a value, highest precedence first. */
    private List<DescribeConfigsSynonym> brokerLayers(String key) {
        List<DescribeConfigsSynonym> layers = new ArrayList<>();
        ConfigDef.ConfigKey def = BrokerConfig.definition().configKeys().get(key);
        if (broker.dynamicPerBroker().containsKey(key)) {
            layers.add(synonym(key, hidden(def, broker.dynamicPerBroker().get(key)), ConfigSource.DYNAMIC_BROKER_CONFIG));
        }
        if (broker.dynamicClusterDefault().containsKey(key)) {
            layers.add(synonym(key, hidden(def, broker.dynamicClusterDefault().get(key)),
                    ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        }
        if (!broker.isDefault(key)) {
            Object value = broker.allValues().get(key);
            layers.add(synonym(key, value == null ? null : hidden(def, ConfigDef.convertToString(value, def.type)),
                    ConfigSource.STATIC_BROKER_CONFIG));
        }
        return layers;
    }

    /** The default at the end of a topic key's chain: Kafka names it after the broker key that supplies it. */
    private static DescribeConfigsSynonym defaultSynonym(String topicKey, List<String> brokerKeys,
                                                         ConfigDef.ConfigKey topicDef) {
        for (String b : brokerKeys) {
            ConfigDef.ConfigKey def = BrokerConfig.definition().configKeys().get(b);
            if (def != null && def.defaultValue != null && def.hasDefault()) {
                return synonym(b, ConfigDef.convertToString(def.defaultValue, def.type), ConfigSource.DEFAULT_CONFIG);
            }
        }
        return synonym(topicKey, topicDef.defaultValue == null ? null
                : ConfigDef.convertToString(topicDef.defaultValue, topicDef.type), ConfigSource.DEFAULT_CONFIG);
    }

    private static String hidden(ConfigDef.ConfigKey def, String value) {
        return def != null && def.type == ConfigDef.Type.PASSWORD ? null : value;
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    private static DescribeConfigsResourceResult entry(String key, String value, ConfigSource source,
                                                       ConfigDef.ConfigKey def, boolean readOnly, boolean docs) {
        boolean sensitive = def != null && def.type == ConfigDef.Type.PASSWORD;
        return new DescribeConfigsResourceResult()
                .setName(key)
                .setValue(sensitive ? null : value)
                .setConfigSource(source.id())
                .setIsSensitive(sensitive)
                .setReadOnly(readOnly)
                .setConfigType(typeOf(def).id())
                .setDocumentation(docs && def != null ? def.documentation : null);
    }

    private static ConfigType typeOf(ConfigDef.ConfigKey def) {
        if (def == null) {
            return ConfigType.UNKNOWN;
        }
        return switch (def.type) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case SHORT -> ConfigType.SHORT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
            case CLASS -> ConfigType.CLASS;
            case PASSWORD -> ConfigType.PASSWORD;
        };
    }
}
