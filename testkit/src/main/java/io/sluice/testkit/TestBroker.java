package io.sluice.testkit;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real Sluice broker in this JVM on an ephemeral loopback port, with its embedded ZooKeeper and a
 * fresh data directory, plus factories for kafka-clients pointed at it.
 */
public final class TestBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> settings;
    private Broker broker;

    private TestBroker(Path dataDir, Map<String, String> settings) {
        this.dataDir = dataDir;
        this.settings = settings;
    }

    public static TestBroker start() {
        return start(Map.of());
    }

    public static TestBroker start(Map<String, String> overrides) {
        try {
            return start(Files.createTempDirectory("sluice-test"), overrides);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static TestBroker start(Path dataDir, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>();
        settings.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        settings.put(BrokerConfig.LOG_DIRS, dataDir.toString());
        settings.put(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, "0");
        settings.put(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "5");
        settings.put(BrokerConfig.NUM_IO_THREADS, "4");
        settings.putAll(overrides);
        TestBroker test = new TestBroker(dataDir, settings);
        test.broker = Broker.start(BrokerConfig.of(settings));
        return test;
    }

    /** Stops the broker cleanly and starts a new one over the same data directory (and port 0 again). */
    public void restart() {
        broker.close();
        broker = Broker.start(BrokerConfig.of(settings));
    }

    public Broker broker() {
        return broker;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String bootstrap() {
        return broker.bootstrapServers();
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + name, e);
        }
    }

    public Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    public KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Properties p = producerProps();
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    public KafkaProducer<byte[], byte[]> bytesProducer(Map<String, Object> extra) {
        Properties p = producerProps();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    public Properties consumerProps(String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return p;
    }

    public KafkaConsumer<String, String> consumer(String groupId, Map<String, Object> extra) {
        Properties p = consumerProps(groupId);
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    public KafkaConsumer<byte[], byte[]> bytesConsumer(String groupId, Map<String, Object> extra) {
        Properties p = consumerProps(groupId);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
