package io.sluice.connect.worker;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The settings every connector has, whatever its class, under Kafka Connect's names. Sink connectors add
 * {@code topics} / {@code topics.regex}. Transformations and predicates ({@code transforms.<alias>.*},
 * {@code predicates.<alias>.*}) are built by {@link TransformationChain}.
 */
public final class ConnectorConfig {
    public static final String NAME = "name";
    public static final String CONNECTOR_CLASS = "connector.class";
    public static final String TASKS_MAX = "tasks.max";
    public static final String KEY_CONVERTER = "key.converter";
    public static final String VALUE_CONVERTER = "value.converter";
    public static final String HEADER_CONVERTER = "header.converter";
    public static final String TRANSFORMS = "transforms";
    public static final String PREDICATES = "predicates";
    public static final String TOPICS = "topics";
    public static final String TOPICS_REGEX = "topics.regex";
    public static final String COMMON_GROUP = "Common";
    public static final String TRANSFORMS_GROUP = "Transforms";

    private ConnectorConfig() {
    }

    /** The definition every connector's config is validated against, before the connector's own. */
    public static ConfigDef configDef(boolean sink) {
        int order = 0;
        ConfigDef def = new ConfigDef()
                .define(NAME, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.HIGH, "Globally unique name to use for this connector.", COMMON_GROUP, ++order,
                        Width.MEDIUM, "Connector name")
                .define(CONNECTOR_CLASS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                        "Name or alias of the class for this connector.", COMMON_GROUP, ++order, Width.LONG,
                        "Connector class")
                .define(TASKS_MAX, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.HIGH,
                        "Maximum number of tasks to use for this connector.", COMMON_GROUP, ++order, Width.SHORT,
                        "Tasks max")
                .define(KEY_CONVERTER, Type.STRING, null, Importance.LOW,
                        "Converter for record keys; the worker's when unset.", COMMON_GROUP, ++order, Width.SHORT,
                        "Key converter class")
                .define(VALUE_CONVERTER, Type.STRING, null, Importance.LOW,
                        "Converter for record values; the worker's when unset.", COMMON_GROUP, ++order, Width.SHORT,
                        "Value converter class")
                .define(HEADER_CONVERTER, Type.STRING, null, Importance.LOW,
                        "HeaderConverter for record headers; the worker's when unset.", COMMON_GROUP, ++order,
                        Width.SHORT, "Header converter class")
                .define(TRANSFORMS, Type.LIST, "", Importance.LOW,
                        "Aliases for the transformations to be applied to records, in order.", TRANSFORMS_GROUP,
                        ++order, Width.LONG, "Transforms")
                .define(PREDICATES, Type.LIST, "", Importance.LOW,
                        "Aliases for the predicates used by transformations.", TRANSFORMS_GROUP, ++order, Width.LONG,
                        "Predicates");
        io.sluice.connect.errors.ErrorHandlingConfig.define(def, 0);
        TaskRestartPolicy.defineConnector(def, 0);
        if (sink) {
            def.define(TOPICS, Type.LIST, "", Importance.HIGH, "List of topics to consume.", COMMON_GROUP, ++order,
                            Width.LONG, "Topics")
                    .define(TOPICS_REGEX, Type.STRING, "", Importance.HIGH, "Regular expression of topics to consume.",
                            COMMON_GROUP, ++order, Width.LONG, "Topics regex");
        }
        return def;
    }
}
