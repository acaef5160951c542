package io.sluice.broker.config;

import io.sluice.service.config.PropertiesLoader;
import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A properties file written for Apache Kafka 3.9 (its sample {@code config/server.properties}, ZooKeeper mode, and a
 * typical production one) starts Sluice unchanged but for where to listen, store and find ZooKeeper.
 */
class KafkaPropertiesFileIT {

    @ParameterizedTest
    @ValueSource(strings = {"kafka-3.9/server.properties", "kafka-3.9/production.properties"})
    void kafkasPropertiesFileStartsABroker(String file, @TempDir Path dataDir) throws Exception {
        Map<String, String> settings = PropertiesLoader.readFile(resource(file));
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dataDir.resolve("zk"), 0)) {
            Map<String, String> overrides = new HashMap<>(settings);
            overrides.put(BrokerConfig.ZOOKEEPER_CONNECT, zk.connectString());
            overrides.put(BrokerConfig.LOG_DIRS, dataDir.resolve("logs").toString());
            overrides.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
            try (TestBroker broker = TestBroker.start(dataDir.resolve("logs"), overrides);
                 Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("from-kafka-config", 1, (short) 1)
                        // The production file asks for 2 in-sync replicas; this cluster has one broker.
                        .configs(Map.of("min.insync.replicas", "1")))).all().get();
                try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                    producer.send(new ProducerRecord<>("from-kafka-config", "k", "v")).get();
                }
                // log.retention.hours of the file reaches topics through Kafka's synonyms.
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "from-kafka-config");
                Config described = admin.describeConfigs(List.of(topic)).all().get().get(topic);
                long hours = Long.parseLong(settings.get("log.retention.hours"));
                assertThat(described.get("retention.ms").value()).isEqualTo(String.valueOf(hours * 3_600_000L));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"log.retention.hourz", "socket.send.buffer.byte", "zookeeper.conect"})
    void aTypoInAKafkaFileIsStillRefusedByName(String typo) throws Exception {
        Map<String, String> settings = new HashMap<>(PropertiesLoader.readFile(resource("kafka-3.9/server.properties")));
        settings.put(typo, "1");
        assertThatThrownBy(() -> BrokerConfig.of(settings))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(typo);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(KafkaPropertiesFileIT.class.getClassLoader().getResource(name).toURI());
    }
}
