package io.sluice.jdbc.sink;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A record that cannot become a row of its table (no key, a value that is not a Struct, a field of the wrong type
 * for its column). Its message names the record's topic, partition and offset, then what is wrong.
 */
final class BadRecordException extends DataException {
    private final transient SinkRecord record;

    BadRecordException(SinkRecord record, String problem) {
        super(where(record) + ": " + problem);
        this.record = record;
    }

    BadRecordException(SinkRecord record, String problem, Throwable cause) {
        super(where(record) + ": " + problem, cause);
        this.record = record;
    }

    SinkRecord record() {
        return record;
    }

    static String where(SinkRecord record) {
        return "record at topic '" + record.topic() + "', partition " + record.kafkaPartition() + ", offset "
                + record.kafkaOffset();
    }
}
