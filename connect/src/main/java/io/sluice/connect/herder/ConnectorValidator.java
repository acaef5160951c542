package io.sluice.connect.herder;

import io.sluice.connect.plugins.PluginDesc;
import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.SourceConnectorConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;

import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a connector config the way Kafka Connect does: the settings every connector has
 * ({@link ConnectorConfig}), each transformation's and predicate's type, a sink's topics, then the connector's own
 * {@code config()} and {@code validate()}. Used by {@code PUT /connector-plugins/{p}/config/validate} and before
 * a config is accepted.
 */
public final class ConnectorValidator {
    private final Plugins plugins;
    private final boolean exactlyOnceEnabled;

    public ConnectorValidator(Plugins plugins) {
        this(plugins, false);
    }

    /** {@code exactlyOnceEnabled}: the worker's {@code exactly.once.source.support=enabled}, for source preflight. */
    public ConnectorValidator(Plugins plugins, boolean exactlyOnceEnabled) {
        this.plugins = plugins;
        this.exactlyOnceEnabled = exactlyOnceEnabled;
    }

    /**
     * @throws HerderException 400 when the config names no connector class or one that does not exist
     */
    public ConfigInfos validate(Map<String, String> props) {
        String connType = props.get(ConnectorConfig.CONNECTOR_CLASS);
        if (connType == null) {
            throw HerderException.badRequest("Connector config " + props + " contains no connector type");
        }
        PluginDesc plugin;
        Connector connector;
        try {
            plugin = plugins.connector(connType);
            connector = Plugins.newInstance(plugin, Connector.class);
        } catch (ConnectException e) {
            throw HerderException.badRequest(e.getMessage(), e);
        }
        boolean sink = plugin.type() == PluginType.SINK;
        ConfigDef base = ConnectorConfig.configDef(sink);
        if (!sink) {
            SourceConnectorConfig.define(base);
        }
        defineTransformTypes(base, props);
        Map<String, ConfigKey> keys = new LinkedHashMap<>(base.configKeys());
        Set<String> groups = new LinkedHashSet<>(base.groups());
        List<ConfigValue> values = new ArrayList<>(base.validateAll(props).values());
        if (sink) {
            validateSinkTopics(props, values);
        }
        for (ConfigValue value : values) {
            checkPluginType(value, props);
        }
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(plugin.loader());
        try {
            ConfigDef own = connector.config();
            if (own == null) {
                throw HerderException.badRequest(plugin.className() + ".config() must return a ConfigDef that is not null.");
            }
            Config config = connector.validate(props);
            if (config == null) {
                throw HerderException.badRequest(plugin.className() + ".validate() must return a Config that is not null.");
            }
            if (connector instanceof SourceConnector source) {
                SourceConnectorConfig.validate(source, props, values, exactlyOnceEnabled);
            }
            keys.putAll(own.configKeys());
            groups.addAll(own.groups());
            values.addAll(config.configValues());
        } catch (HerderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw HerderException.badRequest(e.getMessage(), e);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
        return result(connType, keys, values, new ArrayList<>(groups));
    }

    /**
     * The settings plugin {@code name} (connector, converter, transformation or predicate) defines, for
     * {@code GET /connector-plugins/{p}/config}.
     *
     * @throws HerderException 404 when no plugin has that name
     */
    public List<ConfigInfos.ConfigKeyInfo> pluginConfig(String name) {
        PluginDesc plugin = plugins.find(name, EnumSet.allOf(PluginType.class));
        if (plugin == null) {
            throw HerderException.notFound("Unknown plugin " + name + ".");
        }
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(plugin.loader());
        try {
            Object instance = Plugins.newInstance(plugin, Object.class);
            ConfigDef def;
            if (instance instanceof Connector c) {
                def = c.config();
            } else if (instance instanceof Converter c) {
                def = c.config();
            } else if (instance instanceof HeaderConverter c) {
                def = c.config();
            } else if (instance instanceof Transformation<?> t) {
                def = t.config();
            } else if (instance instanceof Predicate<?> p) {
                def = p.config();
            } else {
                def = new ConfigDef();
            }
            List<ConfigInfos.ConfigKeyInfo> keys = new ArrayList<>();
            if (def != null) {
                def.configKeys().values().forEach(key -> keys.add(keyInfo(key)));
            }
            return keys;
        } catch (ConnectException e) {
            throw HerderException.badRequest(e.getMessage(), e);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    /** Kafka Connect's message when a config with errors is submitted. */
    public static String errorMessage(ConfigInfos infos) {
        StringBuilder message = new StringBuilder("Connector configuration is invalid and contains the following ")
                .append(infos.errorCount()).append(" error(s):");
        for (ConfigInfos.ConfigInfo info : infos.configs()) {
            if (info.value() != null) {
                info.value().errors().forEach(error -> message.append('\n').append(error));
            }
        }
        return message.append("\nYou can also find the above list of errors at the endpoint "
                + "`/connector-plugins/{connectorType}/config/validate`").toString();
    }

    private static void defineTransformTypes(ConfigDef def, Map<String, String> props) {
        int order = 0;
        for (String kind : List.of(ConnectorConfig.TRANSFORMS, ConnectorConfig.PREDICATES)) {
            String list = props.getOrDefault(kind, "");
            for (String alias : list.split(",")) {
                if (alias.isBlank()) {
                    continue;
                }
                String group = (kind.equals(ConnectorConfig.TRANSFORMS) ? "Transforms: " : "Predicates: ") + alias.trim();
                def.define(kind + "." + alias.trim() + ".type", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                        "Class for the '" + alias.trim() + "' " + (kind.equals(ConnectorConfig.TRANSFORMS)
                                ? "transformation." : "predicate."), group, ++order, ConfigDef.Width.LONG,
                        (kind.equals(ConnectorConfig.TRANSFORMS) ? "Transformation" : "Predicate") + " type for "
                                + alias.trim());
            }
        }
    }

    private void checkPluginType(ConfigValue value, Map<String, String> props) {
        String name = value.name();
        String className = props.get(name);
        if (className == null || className.isBlank() || !value.errorMessages().isEmpty()) {
            return;
        }
        PluginType type = null;
        if (name.startsWith(ConnectorConfig.TRANSFORMS + ".") && name.endsWith(".type")) {
            type = PluginType.TRANSFORMATION;
        } else if (name.startsWith(ConnectorConfig.PREDICATES + ".") && name.endsWith(".type")) {
            type = PluginType.PREDICATE;
        } else if (name.equals(ConnectorConfig.KEY_CONVERTER) || name.equals(ConnectorConfig.VALUE_CONVERTER)) {
            type = PluginType.CONVERTER;
        } else if (name.equals(ConnectorConfig.HEADER_CONVERTER)) {
            type = PluginType.HEADER_CONVERTER;
        }
        if (type != null && plugins.find(className, Set.of(type)) == null) {
            value.addErrorMessage("Invalid value " + className + " for configuration " + name + ": Class "
                    + className + " could not be found.");
        }
    }

    private static void validateSinkTopics(Map<String, String> props, List<ConfigValue> values) {
        boolean hasTopics = !props.getOrDefault(ConnectorConfig.TOPICS, "").isBlank();
        boolean hasRegex = !props.getOrDefault(ConnectorConfig.TOPICS_REGEX, "").isBlank();
        String error = null;
        if (hasTopics && hasRegex) {
            error = ConnectorConfig.TOPICS + " and " + ConnectorConfig.TOPICS_REGEX + " are mutually exclusive options, "
                    + "but both are set.";
        } else if (!hasTopics && !hasRegex) {
            error = "Must configure one of " + ConnectorConfig.TOPICS + " or " + ConnectorConfig.TOPICS_REGEX;
        }
        if (error != null) {
            for (ConfigValue value : values) {
                if (value.name().equals(ConnectorConfig.TOPICS) || value.name().equals(ConnectorConfig.TOPICS_REGEX)) {
                    value.addErrorMessage(error);
                }
            }
        }
    }

    private static ConfigInfos result(String connType, Map<String, ConfigKey> keys, List<ConfigValue> values,
                                      List<String> groups) {
        int errors = 0;
        Map<String, ConfigValue> byName = new LinkedHashMap<>();
        for (ConfigValue value : values) {
            errors += value.errorMessages().size();
            byName.put(value.name(), value);
        }
        List<ConfigInfos.ConfigInfo> infos = new ArrayList<>();
        for (ConfigKey key : keys.values()) {
            ConfigValue value = byName.get(key.name);
            infos.add(new ConfigInfos.ConfigInfo(keyInfo(key), value == null ? null : valueInfo(value, key.type)));
        }
        return new ConfigInfos(connType, errors, groups, infos);
    }

    private static ConfigInfos.ConfigKeyInfo keyInfo(ConfigKey key) {
        boolean required = key.defaultValue == ConfigDef.NO_DEFAULT_VALUE;
        String defaultValue = required ? null : ConfigDef.convertToString(key.defaultValue, key.type);
        return new ConfigInfos.ConfigKeyInfo(key.name, key.type.name(), required, defaultValue, key.importance.name(),
                key.documentation, key.group, key.orderInGroup, key.width.name(), key.displayName, key.dependents);
    }

    private static ConfigInfos.ConfigValueInfo valueInfo(ConfigValue value, Type type) {
        List<String> recommended = new ArrayList<>();
        for (Object candidate : value.recommendedValues()) {
            recommended.add(ConfigDef.convertToString(candidate, type));
        }
        return new ConfigInfos.ConfigValueInfo(value.name(), ConfigDef.convertToString(value.value(), type), recommended,
                value.errorMessages(), value.visible());
    }
}
