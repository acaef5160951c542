package io.sluice.connect.worker;

import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.errors.ProcessingContext;
import io.sluice.connect.errors.Stage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A consumed record's way to the sink task: key, value and header converters, then transformations (Kafka
 * Connect's order), each step under the task's {@link ErrorHandler}; a poison record is retried, reported and
 * skipped, or fails the task, as {@code errors.*} say.
 */
final class SinkRecordPipeline {
    private final RecordConverters converters;
    private final TransformationChain<SinkRecord> transforms;
    private final ErrorHandler errors;

    SinkRecordPipeline(RecordConverters converters, TransformationChain<SinkRecord> transforms, ErrorHandler errors) {
        this.converters = converters;
        this.transforms = transforms;
        this.errors = errors;
    }

    /** The record to put, or null when a transformation dropped it or it failed and the failure is tolerated. */
    SinkRecord apply(ConsumerRecord<byte[], byte[]> record) {
        ProcessingContext context = ProcessingContext.consumed(record);
        String topic = record.topic();
        SchemaAndValue key = errors.execute(Stage.KEY_CONVERTER, converters.key.getClass(), context,
                () -> converters.key.toConnectData(topic, record.headers(), record.key()));
        if (errors.failed()) {
            return null;
        }
        SchemaAndValue value = errors.execute(Stage.VALUE_CONVERTER, converters.value.getClass(), context,
                () -> converters.value.toConnectData(topic, record.headers(), record.value()));
        if (errors.failed()) {
            return null;
        }
        ConnectHeaders headers = errors.execute(Stage.HEADER_CONVERTER, converters.headers.getClass(), context,
                () -> converters.toConnect(topic, record.headers()));
        if (errors.failed()) {
            return null;
        }
        Long timestamp = record.timestamp() >= 0 ? record.timestamp() : null;
        SinkRecord converted = new InternalSinkRecord(record, topic, record.partition(), key.schema(), key.value(),
                value.schema(), value.value(), record.offset(), timestamp, record.timestampType(), headers, topic,
                record.partition(), record.offset());
        return transforms.apply(converted,
                (transform, step) -> errors.execute(Stage.TRANSFORMATION, transform, context, step));
    }
}
