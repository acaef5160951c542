package io.sluice.connect.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.metrics.TaskMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Writes failed records to {@code errors.deadletterqueue.topic.name} (created with one partition and
 * {@code .replication.factor} when missing, as Kafka Connect does). A sink's record goes as consumed, bytes and
 * headers unchanged; a source's record (beyond Kafka Connect) goes as the task's converters make it before any
 * transformation, or as its {@code toString()} when that conversion is what failed. With
 * {@code .context.headers.enable}, Kafka Connect's {@code __connect.errors.*} headers say where and why it failed;
 * a source record also gets {@code __connect.errors.source.partition} / {@code .source.offset} (JSON).
 */
public final class DeadLetterQueueReporter implements ErrorReporter {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterQueueReporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String HEADER_PREFIX = "__connect.errors.";
    public static final String TOPIC = HEADER_PREFIX + "topic";
    public static final String PARTITION = HEADER_PREFIX + "partition";
    public static final String OFFSET = HEADER_PREFIX + "offset";
    public static final String CONNECTOR_NAME = HEADER_PREFIX + "connector.name";
    public static final String TASK_ID = HEADER_PREFIX + "task.id";
    public static final String STAGE = HEADER_PREFIX + "stage";
    public static final String EXECUTING_CLASS = HEADER_PREFIX + "class.name";
    public static final String EXCEPTION = HEADER_PREFIX + "exception.class.name";
    public static final String EXCEPTION_MESSAGE = HEADER_PREFIX + "exception.message";
    public static final String EXCEPTION_STACKTRACE = HEADER_PREFIX + "exception.stacktrace";
    public static final String SOURCE_PARTITION = HEADER_PREFIX + "source.partition";
    public static final String SOURCE_OFFSET = HEADER_PREFIX + "source.offset";

    private final ErrorHandlingConfig config;
    private final Producer<byte[], byte[]> producer;
    private final Function<SourceRecord, ProducerRecord<byte[], byte[]>> sourceSerializer;
    private final TaskMetrics metrics;

    private DeadLetterQueueReporter(ErrorHandlingConfig config, Producer<byte[], byte[]> producer,
                                    Function<SourceRecord, ProducerRecord<byte[], byte[]>> sourceSerializer,
                                    TaskMetrics metrics) {
        this.config = config;
        this.producer = producer;
        this.sourceSerializer = sourceSerializer;
        this.metrics = metrics;
    }

    /**
     * Creates the topic when missing and a producer for it.
     *
     * @param sourceSerializer a source record as the task's converters serialize it; may throw
     */
    public static DeadLetterQueueReporter create(ErrorHandlingConfig config, Map<String, Object> adminSettings,
                                                 Map<String, Object> producerSettings,
                                                 Function<SourceRecord, ProducerRecord<byte[], byte[]>> sourceSerializer,
                                                 TaskMetrics metrics) {
        String topic = config.dlqTopic();
        try (Admin admin = Admin.create(adminSettings)) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                log.info("Dead letter queue topic {} does not exist; creating it", topic);
                admin.createTopics(List.of(new NewTopic(topic, 1, config.dlqReplicationFactor())))
                        .all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new ConnectException("Could not initialize dead letter queue with topic=" + topic, e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new ConnectException("Could not initialize dead letter queue with topic=" + topic, e);
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings, new ByteArraySerializer(),
                new ByteArraySerializer());
        return new DeadLetterQueueReporter(config, producer, sourceSerializer, metrics);
    }

    @Override
    public CompletableFuture<Void> report(Failure failure) {
        metrics.dlqProduceRequests.increment();
        ProducerRecord<byte[], byte[]> record = recordFor(failure);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    log.error("Could not produce message to dead letter queue. topic={}", config.dlqTopic(), error);
                    metrics.dlqProduceFailures.increment();
                    done.completeExceptionally(error);
                } else {
                    done.complete(null);
                }
            });
        } catch (RuntimeException e) {
            log.error("Could not produce message to dead letter queue. topic={}", config.dlqTopic(), e);
            metrics.dlqProduceFailures.increment();
            done.completeExceptionally(e);
        }
        return done;
    }

    private ProducerRecord<byte[], byte[]> recordFor(Failure failure) {
        ConsumerRecord<byte[], byte[]> consumed = failure.context().consumed();
        Headers headers = new RecordHeaders();
        byte[] key;
        byte[] value;
        Long timestamp = null;
        if (consumed != null) {
            consumed.headers().forEach(h -> headers.add(h.key(), h.value()));
            key = consumed.key();
            value = consumed.value();
            timestamp = consumed.timestamp() >= 0 ? consumed.timestamp() : null;
        } else {
            SourceRecord source = failure.context().source();
            ProducerRecord<byte[], byte[]> converted = serializeSource(source);
            converted.headers().forEach(h -> headers.add(h.key(), h.value()));
            key = converted.key();
            value = converted.value();
            timestamp = source.timestamp() != null && source.timestamp() >= 0 ? source.timestamp() : null;
        }
        if (config.dlqContextHeaders()) {
            addContextHeaders(headers, failure);
        }
        return new ProducerRecord<>(config.dlqTopic(), null, timestamp, key, value, headers);
    }

    /** The source record as the task would have written it, or as text when its conversion is what fails. */
    private ProducerRecord<byte[], byte[]> serializeSource(SourceRecord source) {
        try {
            return sourceSerializer.apply(source);
        } catch (RuntimeException e) {
            return new ProducerRecord<>(source.topic(), null, utf8(source.key()), utf8(source.value()));
        }
    }

    private static byte[] utf8(Object value) {
        return value == null ? null : String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }

    private static void addContextHeaders(Headers headers, Failure failure) {
        String topic = "";
        int partition = -1;
        long offset = -1;
        ConsumerRecord<byte[], byte[]> consumed = failure.context().consumed();
        SourceRecord source = failure.context().source();
        if (consumed != null) {
            topic = consumed.topic();
            partition = consumed.partition();
            offset = consumed.offset();
        } else if (source != null) {
            topic = source.topic() == null ? "" : source.topic();
            partition = source.kafkaPartition() == null ? -1 : source.kafkaPartition();
        }
        add(headers, TOPIC, topic);
        add(headers, PARTITION, String.valueOf(partition));
        add(headers, OFFSET, String.valueOf(offset));
        add(headers, CONNECTOR_NAME, failure.task().connector());
        add(headers, TASK_ID, String.valueOf(failure.task().task()));
        add(headers, STAGE, failure.stage().name());
        add(headers, EXECUTING_CLASS, failure.executingClass() == null ? "" : failure.executingClass().getName());
        Throwable error = failure.error();
        if (error != null) {
            add(headers, EXCEPTION, error.getClass().getName());
            if (error.getMessage() != null) {
                add(headers, EXCEPTION_MESSAGE, error.getMessage());
            }
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            add(headers, EXCEPTION_STACKTRACE, trace.toString());
        }
        if (source != null) {
            add(headers, SOURCE_PARTITION, json(source.sourcePartition()));
            add(headers, SOURCE_OFFSET, json(source.sourceOffset()));
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    /** Kafka Connect keeps a header the record already had rather than adding a second one. */
    private static void add(Headers headers, String key, String value) {
        if (headers.lastHeader(key) == null) {
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
