package io.sluice.runtime.store;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Typed state kept in a compacted topic: the registry's schemas, later Connect's configs, offsets and statuses and
 * the mirror's checkpoints. Writes go through a producer; one reader thread reads every partition from the
 * beginning and hands each record, in offset order per partition, to the {@link Listener}s, which hold the
 * state.
 *
 * <p>Read-your-writes: {@link #write} returns only once its records have been read back and handed to the
 * listeners, so the caller (and every reader of the listeners' state) sees them. {@link #start} reads the topic
 * to its end offsets before returning, so the state is complete before the owner declares itself ready.
 */
public final class TopicStore<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicStore.class);

    /** Told of every record read, old and new, in offset order per partition; value null = tombstone. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void onRecord(K key, V value, long offset);
    }

    /** A record to write; a null value deletes the key once compacted. */
    public record Entry<K, V>(K key, V value) {
    }

    private final StoreSettings settings;
    private final Serde<K> keys;
    private final Serde<V> values;
    private final Map<String, Object> clientProps;
    /** The reader's isolation level: a read_committed store's end is the last stable offset, not the log end. */
    private final IsolationLevel isolation;
    private final List<Listener<K, V>> listeners = new CopyOnWriteArrayList<>();
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    /** Per partition, the offset up to which records have been handed to the listeners. */
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    private List<TopicPartition> partitions = List.of();
    private volatile boolean running = true;
    private volatile Throwable readerFailure;

    public TopicStore(Map<String, Object> clientProps, String clientId, StoreSettings settings, Serde<K> keys,
                      Serde<V> values) {
        this.settings = settings;
        this.keys = keys;
        this.values = values;
        this.clientProps = Map.copyOf(clientProps);
        Object level = clientProps.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        this.isolation = level != null && "read_committed".equals(level.toString().trim().toLowerCase(Locale.ROOT))
                ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
        this.admin = Admin.create(props(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin")));
        this.producer = new KafkaProducer<>(props(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName())));
        this.consumer = new KafkaConsumer<>(props(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-reader",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName())));
        this.reader = new Thread(this::readLoop, clientId + "-store-reader");
        this.reader.setDaemon(true);
    }

    /** The client settings this store was given, overlaid with {@code specific}: for more clients of the same cluster. */
    public Map<String, Object> props(Map<String, Object> specific) {
        Map<String, Object> props = new HashMap<>(clientProps);
        props.putAll(specific);
        return props;
    }

    public String topic() {
        return settings.topic();
    }

    /** Adds a listener; add them before {@link #start} to see every record from the first. */
    public void addListener(Listener<K, V> listener) {
        listeners.add(listener);
    }

    /** Creates the topic if missing, then reads it to its end. Returns once every listener has seen it all. */
    public void start() {
        try {
            int count = ensureTopic();
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                all.add(new TopicPartition(settings.topic(), p));
            }
            synchronized (applied) {
                partitions = List.copyOf(all);
                all.forEach(tp -> applied.put(tp, 0L));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking topic " + settings.topic(), e);
        }
        reader.start();
        syncToEnd(settings.initTimeout());
        log.info("Store {} loaded ({} partition(s))", settings.topic(), partitions.size());
    }

    private int ensureTopic() throws InterruptedException {
        long deadline = System.currentTimeMillis() + settings.initTimeout().toMillis();
        while (true) {
            try {
                TopicDescription description = within(admin.describeTopics(List.of(settings.topic())).allTopicNames(),
                        deadline).get(settings.topic());
                int count = description.partitions().size();
                if (count != settings.partitions()) {
                    throw new IllegalStateException("Topic " + settings.topic() + " must have exactly "
                            + settings.partitions() + " partition" + (settings.partitions() == 1 ? "" : "s")
                            + ", it has " + count);
                }
                checkCompacted(deadline);
                return count;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    retryOrFail(deadline, e);
                    continue;
                }
                try {
                    createTopic(deadline);
                } catch (TimeoutException timeout) {
                    retryOrFail(deadline, timeout);
                }
            } catch (TimeoutException e) {
                retryOrFail(deadline, e);
            }
        }
    }

    /** Creates the topic; a timeout goes to the caller, which retries until the deadline. */
    private void createTopic(long deadline) throws InterruptedException, TimeoutException {
        try {
            int brokers = within(admin.describeCluster().nodes(), deadline).size();
            short replicas = (short) Math.max(1, Math.min(settings.replicationFactor(), brokers));
            if (replicas < settings.replicationFactor()) {
                // Kafka would refuse the topic; a store that runs on fewer copies than asked must at least say so.
                log.warn("Creating topic {} with replication factor {} instead of the {} asked for: only {} broker(s) "
                        + "are up. Raise it with kafka-reassign-partitions once more brokers run", settings.topic(),
                        replicas, settings.replicationFactor(), brokers);
            }
            NewTopic topic = new NewTopic(settings.topic(), settings.partitions(), replicas)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            within(admin.createTopics(List.of(topic)).all(), deadline);
            log.info("Created topic {} ({} partition(s), replication factor {}, compacted)", settings.topic(),
                    settings.partitions(), replicas);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                retryOrFail(deadline, e);
            }
        }
    }

    private void checkCompacted(long deadline) throws InterruptedException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, settings.topic());
        try {
            Config topicConfig = within(admin.describeConfigs(List.of(resource)).all(), deadline).get(resource);
            var policy = topicConfig == null ? null : topicConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy != null && !TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy.value())) {
                // Deletion by retention would eventually lose state that is still in use.
                throw new IllegalStateException("Topic " + settings.topic() + " must have cleanup.policy=compact, "
                        + "it has " + policy.value());
            }
        } catch (ExecutionException e) {
            log.warn("Could not check the cleanup policy of {}: {}", settings.topic(), e.getCause().toString());
        }
    }

    /** One admin call's result, waiting no longer than one request's timeout nor past the start-up deadline. */
    private <T> T within(KafkaFuture<T> future, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        long wait = Math.min(settings.timeout().toMillis(), deadline - System.currentTimeMillis());
        return future.get(Math.max(1, wait), TimeUnit.MILLISECONDS);
    }

    private void retryOrFail(long deadline, Exception e) throws InterruptedException {
        if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("Cannot reach the Kafka cluster for topic " + settings.topic(), e);
        }
        log.warn("Topic {} not ready yet: {}", settings.topic(), e.toString());
        Thread.sleep(200);
    }

    private void readLoop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                // The position moves past transaction markers and compacted gaps that no record reports.
                for (TopicPartition tp : partitions) {
                    advance(tp, consumer.position(tp));
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            readerFailure = t;
            log.error("Reader of store {} stopped", settings.topic(), t);
            synchronized (applied) {
                applied.notifyAll();
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() != null) {
            try {
                K key = keys.deserializer().deserialize(record.topic(), record.key());
                V value = record.value() == null ? null : values.deserializer().deserialize(record.topic(), record.value());
                for (Listener<K, V> listener : listeners) {
                    listener.onRecord(key, value, record.offset());
                }
            } catch (RuntimeException e) {
                // One unreadable record must not stop the owner from serving everything else.
                log.error("Skipping unreadable record at offset {} of {}-{}", record.offset(), record.topic(),
                        record.partition(), e);
            }
        }
        advance(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
    }

    private void advance(TopicPartition tp, long offset) {
        synchronized (applied) {
            if (offset > applied.getOrDefault(tp, 0L)) {
                applied.put(tp, offset);
                applied.notifyAll();
            }
        }
    }

    /** Per partition, the offset up to which records have been handed to the listeners. */
    public Map<TopicPartition, Long> appliedOffsets() {
        synchronized (applied) {
            return Map.copyOf(applied);
        }
    }

    /** Waits until every record written to the topic before this call has been handed to the listeners. */
    public void syncToEnd(Duration timeout) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
                    admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.forEach((tp, info) -> ends.put(tp, info.offset()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("Interrupted", false, e);
        } catch (ExecutionException e) {
            throw new StoreException("Cannot read the end of topic " + settings.topic() + ": " + e.getCause(), false, e);
        } catch (TimeoutException e) {
            throw new StoreException("Timed out reading the end of topic " + settings.topic(), true, e);
        }
        awaitApplied(ends, timeout);
    }

    /** Sends {@code entries} in order and returns once all of them have been read back and handed to the listeners. */
    public void write(List<Entry<K, V>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Entry<K, V> e : entries) {
            byte[] key = keys.serializer().serialize(settings.topic(), e.key());
            byte[] value = e.value() == null ? null : values.serializer().serialize(settings.topic(), e.value());
            sent.add(producer.send(new ProducerRecord<>(settings.topic(), key, value)));
        }
        producer.flush();
        Map<TopicPartition, Long> written = new HashMap<>();
        try {
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
                written.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("Interrupted", false, e);
        } catch (ExecutionException e) {
            throw new StoreException("Error writing to topic " + settings.topic() + ": " + e.getCause(), false, e);
        } catch (TimeoutException e) {
            throw new StoreException("Timed out writing to topic " + settings.topic(), true, e);
        }
        awaitApplied(written, settings.timeout());
    }

    private void awaitApplied(Map<TopicPartition, Long> targets, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (applied) {
            for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
                while (applied.getOrDefault(target.getKey(), 0L) < target.getValue()) {
                    if (readerFailure != null) {
                        throw new StoreException("Reader of store " + settings.topic() + " failed: " + readerFailure,
                                false, readerFailure);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new StoreException("Timed out waiting for the store to read " + target.getKey()
                                + " up to offset " + target.getValue(), true, null);
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(applied, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new StoreException("Interrupted", false, e);
                    }
                }
            }
        }
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
