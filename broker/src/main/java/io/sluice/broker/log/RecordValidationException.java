package io.sluice.broker.log;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.requests.ProduceResponse.RecordError;

import java.util.List;

/**
 * Some records of a produce request broke the topic's rules (KIP-467): the partition is answered with
 * {@link #error()} and the offending records' positions in their batch, so that a producer can fail
 * exactly those records. Nothing of the request was written.
 */
public final class RecordValidationException extends RuntimeException {
    private final ApiException error;
    private final List<RecordError> recordErrors;

    public RecordValidationException(ApiException error, List<RecordError> recordErrors) {
        super(error.getMessage(), error);
        this.error = error;
        this.recordErrors = List.copyOf(recordErrors);
    }

    /** INVALID_TIMESTAMP or INVALID_RECORD, with the partition-level message. */
    public ApiException error() {
        return error;
    }

    public List<RecordError> recordErrors() {
        return recordErrors;
    }
}
