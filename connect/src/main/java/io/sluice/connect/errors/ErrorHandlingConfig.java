package io.sluice.connect.errors;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.Locale;
import java.util.Map;

/**
 * A connector's error-handling settings under Kafka Connect's names and defaults. Unlike Kafka Connect, the
 * dead-letter-queue settings apply to source connectors too: a source record that fails in a transformation or a
 * converter goes to the DLQ with the same context headers.
 */
public record ErrorHandlingConfig(long retryTimeoutMs, long retryDelayMaxMs, ToleranceType tolerance,
                                  boolean logEnable, boolean logIncludeMessages, String dlqTopic,
                                  short dlqReplicationFactor, boolean dlqContextHeaders) {
    public static final String GROUP = "Error Handling";
    public static final String RETRY_TIMEOUT = "errors.retry.timeout.ms";
    public static final String RETRY_DELAY_MAX = "errors.retry.delay.max.ms";
    public static final String TOLERANCE = "errors.tolerance";
    public static final String LOG_ENABLE = "errors.log.enable";
    public static final String LOG_INCLUDE_MESSAGES = "errors.log.include.messages";
    public static final String DLQ_TOPIC = "errors.deadletterqueue.topic.name";
    public static final String DLQ_REPLICATION_FACTOR = "errors.deadletterqueue.topic.replication.factor";
    public static final String DLQ_CONTEXT_HEADERS = "errors.deadletterqueue.context.headers.enable";

    private static final ConfigDef DEF = define(new ConfigDef(), 0);

    /** Adds the error-handling settings to a connector's definition, from {@code order + 1} on in their group. */
    public static ConfigDef define(ConfigDef def, int order) {
        return def
                .define(RETRY_TIMEOUT, Type.LONG, 0L, Importance.MEDIUM,
                        "How long a failed operation is retried, in ms; 0 means no retries, -1 retries forever.",
                        GROUP, ++order, Width.MEDIUM, "Retry Timeout for Errors")
                .define(RETRY_DELAY_MAX, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        "The longest wait between retries of a failed operation, in ms.", GROUP, ++order,
                        Width.MEDIUM, "Maximum Delay Between Retries for Errors")
                .define(TOLERANCE, Type.STRING, ToleranceType.NONE.value(),
                        ConfigDef.CaseInsensitiveValidString.in(ToleranceType.NONE.value(), ToleranceType.ALL.value()),
                        Importance.MEDIUM, "'none' fails the task on the first record error; 'all' skips "
                                + "problematic records and goes on.", GROUP, ++order, Width.SHORT, "Error Tolerance")
                .define(LOG_ENABLE, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Log each error with its operation and record context.", GROUP, ++order, Width.SHORT,
                        "Log Errors")
                .define(LOG_INCLUDE_MESSAGES, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Include the failed record's contents in the error log.", GROUP, ++order, Width.SHORT,
                        "Log Error Details")
                .define(DLQ_TOPIC, Type.STRING, "", Importance.MEDIUM,
                        "Topic the failed records go to, sink and source alike; empty disables the dead letter queue.",
                        GROUP, ++order, Width.MEDIUM, "Dead Letter Queue Topic Name")
                .define(DLQ_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.MEDIUM,
                        "Replication factor of the dead letter queue topic when it is created.", GROUP, ++order,
                        Width.MEDIUM, "Dead Letter Queue Topic Replication Factor")
                .define(DLQ_CONTEXT_HEADERS, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Add __connect.errors.* headers with the failure's context to dead letter queue records.",
                        GROUP, ++order, Width.MEDIUM, "Enable Error Context Headers");
    }

    /** Reads the settings from a connector config; keys it does not know are ignored. */
    public static ErrorHandlingConfig of(Map<String, String> connectorConfig) {
        AbstractConfig parsed = new AbstractConfig(DEF, connectorConfig, false);
        return new ErrorHandlingConfig(parsed.getLong(RETRY_TIMEOUT), parsed.getLong(RETRY_DELAY_MAX),
                ToleranceType.valueOf(parsed.getString(TOLERANCE).trim().toUpperCase(Locale.ROOT)),
                parsed.getBoolean(LOG_ENABLE), parsed.getBoolean(LOG_INCLUDE_MESSAGES),
                parsed.getString(DLQ_TOPIC).trim(), parsed.getShort(DLQ_REPLICATION_FACTOR),
                parsed.getBoolean(DLQ_CONTEXT_HEADERS));
    }

    public boolean dlqEnabled() {
        return !dlqTopic.isEmpty();
    }

    /** Kafka Connect gives a sink task an errant record reporter when there is somewhere to report to. */
    public boolean errantRecordReporterEnabled() {
        return dlqEnabled() || logEnable;
    }
}
