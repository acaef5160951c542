package io.sluice.connect.errors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The record an operation works on: the consumed record for a sink task, the source record (before
 * transformations) for a source task. One of the two is null.
 */
public record ProcessingContext(ConsumerRecord<byte[], byte[]> consumed, SourceRecord source) {

    public static ProcessingContext consumed(ConsumerRecord<byte[], byte[]> record) {
        return new ProcessingContext(record, null);
    }

    public static ProcessingContext source(SourceRecord record) {
        return new ProcessingContext(null, record);
    }
}
