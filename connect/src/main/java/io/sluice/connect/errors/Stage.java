package io.sluice.connect.errors;

/**
 * Where in a record's way through a task an operation failed; the names are Kafka Connect's, reported in the
 * {@code __connect.errors.stage} header and in error logs.
 */
public enum Stage {
    KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT, TASK_POLL, KAFKA_PRODUCE,
    KAFKA_CONSUME;

    /**
     * Kafka Connect tolerates any exception from converters and transformations; elsewhere only a
     * {@link org.apache.kafka.connect.errors.RetriableException} is retried and everything else fails the task.
     */
    boolean toleratesAnyException() {
        return this == KEY_CONVERTER || this == VALUE_CONVERTER || this == HEADER_CONVERTER || this == TRANSFORMATION;
    }
}
