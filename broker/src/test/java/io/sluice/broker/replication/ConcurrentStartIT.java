package io.sluice.broker.replication;

import io.sluice.broker.Broker;
import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Three brokers started at the same moment race to create the internal topics; all must come up. */
class ConcurrentStartIT {

    @Test
    void brokersStartingTogetherShareOneSetOfInternalTopics(@TempDir Path root) throws Exception {
        List<Broker> brokers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(root.resolve("zookeeper"), 0);
        try {
            List<Future<Broker>> starting = new ArrayList<>();
            for (int id = 0; id < 3; id++) {
                Map<String, String> s = new HashMap<>();
                s.put(BrokerConfig.BROKER_ID, String.valueOf(id));
                s.put(BrokerConfig.ZOOKEEPER_CONNECT, zk.connectString());
                s.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
                s.put(BrokerConfig.LOG_DIRS, root.resolve("broker-" + id).toString());
                s.put(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "3");
                s.put("transaction.state.log.num.partitions", "3");
                s.put(BrokerConfig.NUM_IO_THREADS, "2");
                BrokerConfig config = BrokerConfig.of(s);
                starting.add(pool.submit(() -> Broker.start(config)));
            }
            for (Future<Broker> f : starting) {
                brokers.add(f.get(90, TimeUnit.SECONDS));
            }
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers.get(0).bootstrapServers());
            try (Admin admin = Admin.create(p)) {
                TopicDescription offsets = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                        .get("__consumer_offsets");
                assertThat(offsets.partitions()).hasSize(3);
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            }
            // __transaction_state comes on first use: transactional producers on every broker at once.
            List<Future<?>> producers = new ArrayList<>();
            for (Broker b : brokers) {
                producers.add(pool.submit(() -> {
                    Properties pp = new Properties();
                    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
                    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "concurrent-" + b.bootstrapServers());
                    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
                        producer.initTransactions();
                    }
                    return null;
                }));
            }
            for (Future<?> f : producers) {
                f.get(90, TimeUnit.SECONDS);
            }
            try (Admin admin = Admin.create(p)) {
                TopicDescription txnState = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
                        .get("__transaction_state");
                assertThat(txnState.partitions()).hasSize(3);
            }
        } finally {
            // Brokers before their ZooKeeper: a broker's shutdown deregisters itself there.
            brokers.forEach(Broker::halt);
            pool.shutdownNow();
            zk.close();
        }
    }
}
