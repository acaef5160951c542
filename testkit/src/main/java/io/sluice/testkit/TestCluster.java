package io.sluice.testkit;

import io.sluice.broker.Broker;
import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * N in-process brokers (ids 0..N-1) sharing one embedded ZooKeeper, each on an ephemeral loopback port
 * with its own data directory. {@link #kill} stops a broker as a crash would (no controlled shutdown,
 * no final checkpoints; its ZooKeeper session ends); {@link #restart} starts it again on its data.
 */
public final class TestCluster implements AutoCloseable {
    private final Path root;
    private final EmbeddedZooKeeper zooKeeper;
    private final Map<Integer, Map<String, String>> settings = new TreeMap<>();
    private final Map<Integer, Broker> brokers = new TreeMap<>();

    private TestCluster(Path root, EmbeddedZooKeeper zooKeeper) {
        this.root = root;
        this.zooKeeper = zooKeeper;
    }

    public static TestCluster start(int size, Map<String, String> overrides) {
        return start(size, overrides, id -> Map.of());
    }

    /** As {@link #start(int, Map)}, with settings of each broker's own on top (e.g. its {@code broker.rack}). */
    public static TestCluster start(int size, Map<String, String> overrides,
                                    IntFunction<Map<String, String>> perBroker) {
        try {
            Path root = Files.createTempDirectory("sluice-cluster");
            TestCluster cluster = new TestCluster(root, EmbeddedZooKeeper.start(root.resolve("zookeeper"), 0));
            for (int id = 0; id < size; id++) {
                Map<String, String> s = new HashMap<>();
                s.put(BrokerConfig.BROKER_ID, String.valueOf(id));
                s.put(BrokerConfig.ZOOKEEPER_CONNECT, cluster.zooKeeper.connectString());
                s.put(BrokerConfig.ZOOKEEPER_SESSION_TIMEOUT_MS, "6000");
                s.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
                s.put(BrokerConfig.LOG_DIRS, root.resolve("broker-" + id).toString());
                s.put(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, "0");
                s.put(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "3");
                s.put(BrokerConfig.NUM_IO_THREADS, "4");
                s.put(BrokerConfig.NUM_NETWORK_THREADS, "2");
                s.putAll(overrides);
                s.putAll(perBroker.apply(id));
                cluster.settings.put(id, s);
            }
            for (int id = 0; id < size; id++) {
                cluster.restart(id);
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Broker broker(int id) {
        Broker b = brokers.get(id);
        if (b == null) {
            throw new IllegalStateException("broker " + id + " is not running");
        }
        return b;
    }

    public boolean isRunning(int id) {
        return brokers.containsKey(id);
    }

    /** Abrupt stop: no controlled shutdown, no final high-watermark checkpoint. */
    public void kill(int id) {
        Broker b = brokers.remove(id);
        if (b != null) {
            b.halt();
        }
    }

    /** Clean stop, with controlled shutdown. */
    public void stop(int id) {
        Broker b = brokers.remove(id);
        if (b != null) {
            b.close();
        }
    }

    public void restart(int id) {
        if (brokers.containsKey(id)) {
            throw new IllegalStateException("broker " + id + " is running");
        }
        brokers.put(id, Broker.start(BrokerConfig.of(settings.get(id))));
    }

    public Path logDir(int id) {
        return Path.of(settings.get(id).get(BrokerConfig.LOG_DIRS));
    }

    public String bootstrap() {
        return brokers.values().stream().map(Broker::bootstrapServers).collect(Collectors.joining(","));
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    public void createTopic(String name, int partitions, short rf, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, rf).configs(configs))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + name, e);
        }
    }

    public KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    public KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    @Override
    public void close() {
        for (Integer id : List.copyOf(brokers.keySet())) {
            kill(id);
        }
        zooKeeper.close();
    }
}
