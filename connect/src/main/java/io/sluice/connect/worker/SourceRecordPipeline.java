package io.sluice.connect.worker;

import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.errors.ProcessingContext;
import io.sluice.connect.errors.Stage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A source record's way to a producer record: transformations, then the header, key and value converters (Kafka
 * Connect's order), each step under the task's {@link ErrorHandler}, so a record that fails is retried, reported
 * (log, dead letter queue) and skipped, or fails the task, as {@code errors.*} say.
 */
final class SourceRecordPipeline {
    private final RecordConverters converters;
    private final TransformationChain<SourceRecord> transforms;
    private final ErrorHandler errors;

    SourceRecordPipeline(RecordConverters converters, TransformationChain<SourceRecord> transforms,
                         ErrorHandler errors) {
        this.converters = converters;
        this.transforms = transforms;
        this.errors = errors;
    }

    /** The record to send, or null when a transformation dropped it or it failed and the failure is tolerated. */
    ProducerRecord<byte[], byte[]> apply(SourceRecord original) {
        ProcessingContext context = ProcessingContext.source(original);
        SourceRecord record = transforms.apply(original,
                (transform, step) -> errors.execute(Stage.TRANSFORMATION, transform, context, step));
        if (record == null) {
            return null;
        }
        String topic = record.topic();
        RecordHeaders headers = errors.execute(Stage.HEADER_CONVERTER, converters.headers.getClass(), context,
                () -> converters.toKafka(topic, record.headers()));
        if (errors.failed()) {
            return null;
        }
        byte[] key = errors.execute(Stage.KEY_CONVERTER, converters.key.getClass(), context,
                () -> converters.key.fromConnectData(topic, headers, record.keySchema(), record.key()));
        if (errors.failed()) {
            return null;
        }
        byte[] value = errors.execute(Stage.VALUE_CONVERTER, converters.value.getClass(), context,
                () -> converters.value.fromConnectData(topic, headers, record.valueSchema(), record.value()));
        if (errors.failed()) {
            return null;
        }
        return new ProducerRecord<>(topic, record.kafkaPartition(), timestamp(record), key, value, headers);
    }

    /** The record as the converters make it, untransformed and without error handling (for the DLQ). */
    static ProducerRecord<byte[], byte[]> serialize(RecordConverters converters, SourceRecord record) {
        String topic = record.topic();
        RecordHeaders headers = converters.toKafka(topic, record.headers());
        byte[] key = converters.key.fromConnectData(topic, headers, record.keySchema(), record.key());
        byte[] value = converters.value.fromConnectData(topic, headers, record.valueSchema(), record.value());
        return new ProducerRecord<>(topic, record.kafkaPartition(), timestamp(record), key, value, headers);
    }

    private static Long timestamp(SourceRecord record) {
        return record.timestamp() != null && record.timestamp() >= 0 ? record.timestamp() : null;
    }
}
