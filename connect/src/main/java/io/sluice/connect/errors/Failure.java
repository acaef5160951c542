package io.sluice.connect.errors;

import io.sluice.connect.worker.ConnectorTaskId;
import org.apache.kafka.common.record.TimestampType;

/** One record's failure, with what Kafka Connect reports about it: the task, stage, class at fault and error. */
public record Failure(ConnectorTaskId task, ProcessingContext context, Stage stage, Class<?> executingClass,
                      Throwable error, int attempts) {

    /** Kafka Connect's wording, for logs: the record itself only when {@code errors.log.include.messages}. */
    public String describe(boolean includeMessages) {
        StringBuilder out = new StringBuilder("Executing stage '").append(stage).append("' with class '")
                .append(executingClass == null ? "null" : executingClass.getName()).append('\'');
        if (includeMessages && context.source() != null) {
            out.append(", where source record is = ").append(context.source());
        } else if (includeMessages && context.consumed() != null) {
            var record = context.consumed();
            out.append(", where consumed record is {topic='").append(record.topic()).append("', partition=")
                    .append(record.partition()).append(", offset=").append(record.offset());
            if (record.timestampType() == TimestampType.CREATE_TIME
                    || record.timestampType() == TimestampType.LOG_APPEND_TIME) {
                out.append(", timestamp=").append(record.timestamp()).append(", timestampType=")
                        .append(record.timestampType());
            }
            out.append('}');
        }
        return out.append('.').toString();
    }
}
