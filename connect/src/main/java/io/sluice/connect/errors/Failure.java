package io.sluice.connect.errors;

import io.sluice.connect.worker.ConnectorTaskId;

/** One record's failure, with what Kafka Connect reports about it: the task, stage, class at fault and error. */
public record Failure(ConnectorTaskId task, ProcessingContext context, Stage stage, Class<?> executingClass,
                      Throwable error, int attempts) {

    /** Kafka Connect's wording, for logs. */
    public String describe(boolean includeMessages) {
        StringBuilder out = new StringBuilder("Executing stage '").append(stage).append("' with class '")
                .append(executingClass == null ? "unknown" : executingClass.getName()).append('\'');
        if (context.consumed() != null) {
            var record = context.consumed();
            out.append(", where consumed record is ");
            if (includeMessages) {
                out.append(record);
            } else {
                out.append("{topic='").append(record.topic()).append("', partition=").append(record.partition())
                        .append(", offset=").append(record.offset()).append('}');
            }
        } else if (context.source() != null && includeMessages) {
            out.append(", where source record is = ").append(context.source());
        }
        return out.append('.').toString();
    }
}
