package io.sluice.connect.worker;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceTask.TransactionBoundary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings a source connector has beyond every connector's, under Kafka Connect's names (KIP-618): whether
 * exactly-once is {@code requested} or {@code required}, where transactions end ({@code transaction.boundary}) and
 * an optional offsets topic of its own. {@link #validate} does the preflight checks Kafka's distributed herder
 * does, with its messages.
 */
public final class SourceConnectorConfig {
    private static final Logger log = LoggerFactory.getLogger(SourceConnectorConfig.class);
    public static final String EXACTLY_ONCE_SUPPORT = "exactly.once.support";
    public static final String TRANSACTION_BOUNDARY = "transaction.boundary";
    public static final String TRANSACTION_BOUNDARY_INTERVAL_MS = "transaction.boundary.interval.ms";
    public static final String OFFSETS_TOPIC = "offsets.storage.topic";
    public static final String GROUP = "Exactly Once Support";

    private SourceConnectorConfig() {
    }

    /** Adds the source connector settings to {@code def}. */
    public static ConfigDef define(ConfigDef def) {
        int order = 0;
        return def
                .define(EXACTLY_ONCE_SUPPORT, Type.STRING, "requested",
                        ConfigDef.CaseInsensitiveValidString.in("requested", "required"), Importance.MEDIUM,
                        "required: refuse the connector unless it says it supports exactly-once with this config; "
                                + "requested: run it transactionally anyway.", GROUP, ++order, Width.SHORT,
                        "Exactly once support")
                .define(TRANSACTION_BOUNDARY, Type.STRING, TransactionBoundary.DEFAULT.toString(),
                        ConfigDef.CaseInsensitiveValidString.in("poll", "interval", "connector"), Importance.MEDIUM,
                        "poll: a transaction per poll() batch; interval: one every "
                                + TRANSACTION_BOUNDARY_INTERVAL_MS + "; connector: where the task's "
                                + "TransactionContext says.", GROUP, ++order, Width.SHORT, "Transaction boundary")
                .define(TRANSACTION_BOUNDARY_INTERVAL_MS, Type.LONG, null, ConfigDef.LambdaValidator.with(
                                (name, value) -> {
                                    if (value != null && (Long) value < 0) {
                                        throw new org.apache.kafka.common.config.ConfigException(name, value,
                                                "Value must be at least 0");
                                    }
                                }, () -> "[0,...]"), Importance.LOW,
                        "Transaction length with transaction.boundary=interval; the worker's offset.flush.interval.ms "
                                + "when unset.", GROUP, ++order, Width.SHORT, "Transaction boundary interval")
                .define(OFFSETS_TOPIC, Type.STRING, null, Importance.LOW,
                        "This connector's own offsets topic; the worker's offset.storage.topic when unset.", GROUP,
                        ++order, Width.LONG, "Offsets topic");
    }

    public static TransactionBoundary transactionBoundary(Map<String, String> config) {
        return TransactionBoundary.fromProperty(config.getOrDefault(TRANSACTION_BOUNDARY, "poll").trim()
                .toLowerCase(Locale.ROOT));
    }

    /** The interval of {@code transaction.boundary=interval}: the connector's, else {@code workerDefault}. */
    public static long transactionInterval(Map<String, String> config, long workerDefault) {
        String value = config.get(TRANSACTION_BOUNDARY_INTERVAL_MS);
        return value == null || value.isBlank() ? workerDefault : Long.parseLong(value.trim());
    }

    /** The connector's own offsets topic, or null. */
    public static String offsetsTopic(Map<String, String> config) {
        String topic = config.get(OFFSETS_TOPIC);
        return topic == null || topic.isBlank() ? null : topic.trim();
    }

    /**
     * Kafka Connect's preflight checks: with {@code exactly.once.support=required} the connector must say it
     * supports exactly-once with this config; {@code transaction.boundary=connector} needs a connector that can
     * define its transactions. Errors go on the matching {@code values}.
     */
    public static void validate(SourceConnector connector, Map<String, String> config, List<ConfigValue> values,
                                boolean exactlyOnceEnabled) {
        ConfigValue support = find(values, EXACTLY_ONCE_SUPPORT);
        if (support != null && support.errorMessages().isEmpty()
                && "required".equalsIgnoreCase(String.valueOf(support.value()))) {
            if (!exactlyOnceEnabled) {
                support.addErrorMessage("This worker does not have exactly-once source support enabled.");
            }
            try {
                ExactlyOnceSupport answer = connector.exactlyOnceSupport(config);
                if (answer == null) {
                    support.addErrorMessage("The connector does not implement the API required for preflight "
                            + "validation of exactly-once source support. Please consult the documentation for the "
                            + "connector to determine whether it supports exactly-once semantics, and then consider "
                            + "reconfiguring the connector to use the value \"requested\" for this property (which "
                            + "will disable this preflight check and allow the connector to be created).");
                } else if (answer == ExactlyOnceSupport.UNSUPPORTED) {
                    support.addErrorMessage("The connector does not support exactly-once semantics with the "
                            + "provided configuration.");
                }
            } catch (Exception e) {
                log.error("Failed while validating connector support for exactly-once semantics", e);
                support.addErrorMessage(unexpected(e));
            }
        }
        ConfigValue boundary = find(values, TRANSACTION_BOUNDARY);
        if (boundary != null && boundary.errorMessages().isEmpty()
                && "connector".equalsIgnoreCase(String.valueOf(boundary.value()))) {
            try {
                ConnectorTransactionBoundaries answer = connector.canDefineTransactionBoundaries(config);
                if (answer == null) {
                    boundary.addErrorMessage("This connector has returned a null value from its "
                            + "canDefineTransactionBoundaries method, which is not permitted. The connector will be "
                            + "treated as if it cannot define its own transaction boundaries, and cannot be "
                            + "configured with '" + TRANSACTION_BOUNDARY + "' set to 'connector'.");
                } else if (answer != ConnectorTransactionBoundaries.SUPPORTED) {
                    boundary.addErrorMessage("The connector does not support connector-defined transaction "
                            + "boundaries with the given configuration. Please reconfigure it to use a different "
                            + "transaction boundary definition.");
                }
            } catch (Exception e) {
                log.error("Failed while validating connector support for defining its own transaction boundaries", e);
                boundary.addErrorMessage(unexpected(e));
            }
        }
    }

    private static String unexpected(Exception e) {
        String message = e.getMessage();
        return message != null && !message.isBlank() ? "An unexpected error occurred during validation: " + message.trim()
                : "An unexpected error occurred during validation; please see the worker logs for more details.";
    }

    private static ConfigValue find(List<ConfigValue> values, String name) {
        for (ConfigValue value : values) {
            if (value.name().equals(name)) {
                return value;
            }
        }
        return null;
    }
}
