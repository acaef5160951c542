package io.sluice.examples.enrich;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * An order the job cannot read, as it was consumed (key, value, headers), with where it came from and why it failed
 * in headers named as Kafka Connect's dead letter queue names them, so the same tools read both.
 */
final class DeadLetters {
    static final String PREFIX = "__connect.errors.";

    private DeadLetters() {
    }

    static ProducerRecord<byte[], byte[]> of(ConsumerRecord<byte[], byte[]> order, String topic, Exception error) {
        Headers headers = new RecordHeaders(order.headers().toArray());
        put(headers, "topic", order.topic());
        put(headers, "partition", Integer.toString(order.partition()));
        put(headers, "offset", Long.toString(order.offset()));
        put(headers, "exception.class.name", error.getClass().getName());
        put(headers, "exception.message", String.valueOf(error.getMessage()));
        return new ProducerRecord<>(topic, null, order.key(), order.value(), headers);
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(PREFIX + name, value.getBytes(StandardCharsets.UTF_8));
    }
}
