package io.sluice.connect.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A sink record that remembers the record it was consumed as, through every transformation, so that the errant
 * record reporter can send the original bytes to the dead letter queue (as Kafka Connect does).
 */
final class InternalSinkRecord extends SinkRecord {
    private final ConsumerRecord<byte[], byte[]> consumed;

    InternalSinkRecord(ConsumerRecord<byte[], byte[]> consumed, String topic, int partition, Schema keySchema,
                       Object key, Schema valueSchema, Object value, long offset, Long timestamp,
                       TimestampType timestampType, Iterable<Header> headers, String originalTopic,
                       Integer originalPartition, long originalOffset) {
        super(topic, partition, keySchema, key, valueSchema, value, offset, timestamp, timestampType, headers,
                originalTopic, originalPartition, originalOffset);
        this.consumed = consumed;
    }

    ConsumerRecord<byte[], byte[]> consumed() {
        return consumed;
    }

    @Override
    public SinkRecord newRecord(String topic, Integer kafkaPartition, Schema keySchema, Object key, Schema valueSchema,
                                Object value, Long timestamp) {
        return newRecord(topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers().duplicate());
    }

    @Override
    public SinkRecord newRecord(String topic, Integer kafkaPartition, Schema keySchema, Object key, Schema valueSchema,
                                Object value, Long timestamp, Iterable<Header> headers) {
        return new InternalSinkRecord(consumed, topic, kafkaPartition, keySchema, key, valueSchema, value,
                kafkaOffset(), timestamp, timestampType(), headers, originalTopic(), originalKafkaPartition(),
                originalKafkaOffset());
    }
}
