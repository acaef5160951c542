package io.sluice.registry.store;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.api.ErrorCode;
import io.sluice.registry.api.RegistryException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The registry's durable state: a single-partition compacted topic, written through a producer and read back
 * by one consumer thread that applies every record to a {@link RegistryState}.
 *
 * <p>Nothing is served before it has been read back: a writer sends its records, learns their offsets and
 * waits until the reader has applied them ({@link #write}). At start-up the reader replays the topic from the
 * beginning up to its end offset before the registry answers anything, which rebuilds the whole state.
 */
public final class KafkaStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaStore.class);

    private final RegistryConfig config;
    private final TopicPartition partition;
    private final RegistryState state = new RegistryState();
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    private final Object progress = new Object();
    private long appliedOffset;
    private volatile boolean running = true;
    private volatile Throwable readerFailure;

    public KafkaStore(RegistryConfig config) {
        this.config = config;
        this.partition = new TopicPartition(config.topic, 0);
        this.admin = Admin.create(clientProps(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-registry-admin")));
        this.producer = new KafkaProducer<>(clientProps(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "sluice-registry-producer",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName())));
        this.consumer = new KafkaConsumer<>(clientProps(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "sluice-registry-reader",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName())));
        this.reader = new Thread(this::readLoop, "sluice-registry-store-reader");
        this.reader.setDaemon(true);
    }

    public Map<String, Object> clientProps(Map<String, Object> specific) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers);
        props.putAll(config.clientOverrides);
        props.putAll(specific);
        return props;
    }

    /** Creates the topic if missing, then replays it to its end. Returns once the state is complete. */
    public void start() {
        try {
            ensureTopic();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking " + config.topic, e);
        }
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        reader.start();
        syncToEnd(config.storeInitTimeoutMs);
        log.info("Schema store {} loaded up to offset {}", config.topic, appliedOffset());
    }

    public RegistryState state() {
        return state;
    }

    public String topic() {
        return config.topic;
    }

    private void ensureTopic() throws InterruptedException {
        long deadline = System.currentTimeMillis() + config.storeInitTimeoutMs;
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(config.topic))
                        .allTopicNames().get(config.storeTimeoutMs, TimeUnit.MILLISECONDS).get(config.topic);
                if (description.partitions().size() != 1) {
                    throw new IllegalStateException("Schema topic " + config.topic + " must have exactly 1 partition, "
                            + "it has " + description.partitions().size());
                }
                checkCompacted();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    retryOrFail(deadline, e);
                    continue;
                }
                createTopic(deadline);
            } catch (java.util.concurrent.TimeoutException e) {
                retryOrFail(deadline, e);
            }
        }
    }

    private void createTopic(long deadline) throws InterruptedException {
        try {
            int brokers = admin.describeCluster().nodes().get().size();
            short replicas = (short) Math.max(1, Math.min(config.replicationFactor, brokers));
            NewTopic topic = new NewTopic(config.topic, 1, replicas)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(topic)).all().get();
            log.info("Created schema topic {} (1 partition, replication factor {}, compacted)", config.topic, replicas);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                retryOrFail(deadline, e);
            }
        }
    }

    private void checkCompacted() throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, config.topic);
        try {
            Config topicConfig = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            var policy = topicConfig == null ? null : topicConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy != null && !TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy.value())) {
                // Deletion by retention would eventually lose schemas whose ids are still in use in data.
                throw new IllegalStateException("Schema topic " + config.topic + " must have cleanup.policy=compact, "
                        + "it has " + policy.value());
            }
        } catch (ExecutionException e) {
            log.warn("Could not check the cleanup policy of {}: {}", config.topic, e.getCause().toString());
        }
    }

    private void retryOrFail(long deadline, Exception e) throws InterruptedException {
        if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("Cannot reach the Kafka cluster for schema topic " + config.topic, e);
        }
        log.warn("Schema topic {} not ready yet: {}", config.topic, e.toString());
        Thread.sleep(200);
    }

    private void readLoop() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    applyRecord(record);
                }
                long position = consumer.position(partition);
                synchronized (progress) {
                    if (position > appliedOffset) {
                        appliedOffset = position;
                        progress.notifyAll();
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            readerFailure = t;
            log.error("Schema store reader stopped", t);
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private void applyRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return;
        }
        try {
            state.apply(StoreRecords.decodeKey(record.key()), record.value());
        } catch (RuntimeException e) {
            // One unreadable record must not stop the registry from serving everything else.
            log.error("Skipping unreadable record at offset {} of {}", record.offset(), config.topic, e);
        }
        synchronized (progress) {
            appliedOffset = record.offset() + 1;
            progress.notifyAll();
        }
    }

    public long appliedOffset() {
        synchronized (progress) {
            return appliedOffset;
        }
    }

    /** Waits until every record written to the topic before this call has been applied. */
    public void syncToEnd(long timeoutMs) {
        long end;
        try {
            end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
                    .get(timeoutMs, TimeUnit.MILLISECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(ErrorCode.STORE_ERROR, "Interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new RegistryException(ErrorCode.STORE_ERROR, "Cannot read the end of the schema topic: " + e, e);
        }
        awaitApplied(end, timeoutMs);
    }

    private void awaitApplied(long offset, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (progress) {
            while (appliedOffset < offset) {
                if (readerFailure != null) {
                    throw new RegistryException(ErrorCode.STORE_ERROR, "Schema store reader failed: " + readerFailure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RegistryException(ErrorCode.OPERATION_TIMEOUT,
                            "Timed out waiting for the schema store to read offset " + offset);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryException(ErrorCode.STORE_ERROR, "Interrupted", e);
                }
            }
        }
    }

    /** A record to write: key and value (null value = tombstone). */
    public record Write(StoreRecords.Key key, byte[] value) {
    }

    /** Sends {@code writes} in order and returns once all of them have been read back and applied. */
    public void write(List<Write> writes) {
        if (writes.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Write w : writes) {
            sent.add(producer.send(new ProducerRecord<>(config.topic, 0, StoreRecords.encodeKey(w.key()), w.value())));
        }
        producer.flush();
        long last = -1;
        try {
            for (Future<RecordMetadata> f : sent) {
                last = Math.max(last, f.get(config.storeTimeoutMs, TimeUnit.MILLISECONDS).offset());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(ErrorCode.STORE_ERROR, "Interrupted", e);
        } catch (ExecutionException e) {
            throw new RegistryException(ErrorCode.STORE_ERROR, "Error writing to the schema topic: " + e.getCause(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new RegistryException(ErrorCode.OPERATION_TIMEOUT, "Timed out writing to the schema topic", e);
        }
        awaitApplied(last + 1, config.storeTimeoutMs);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }
}
