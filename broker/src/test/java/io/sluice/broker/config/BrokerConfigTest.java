package io.sluice.broker.config;

import io.sluice.service.config.PropertiesLoader;
import io.sluice.broker.log.LogConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerConfigTest {

    @Test
    void noConfigMeansLoopback9092AndLocalDataDir() {
        BrokerConfig config = BrokerConfig.of(Map.of());
        assertThat(config.listeners()).containsExactly("PLAINTEXT://127.0.0.1:9092");
        assertThat(config.logDirs()).containsExactly(Path.of("./data"));
        assertThat(config.zookeeperConnect()).isNull();
        assertThat(config.brokerId()).isZero();
    }

    @Test
    void unknownKeyIsRejectedByName() {
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("log.retention.hourz", "5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("log.retention.hourz");
    }

    @Test
    void invalidValueIsRejectedByName() {
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("log.segment.bytes", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("log.segment.bytes");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("num.partitions", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("num.partitions");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("log.cleanup.policy", "shred")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("log.cleanup.policy");
    }

    @Test
    void transactionalIdExpirationHasKafkasNamesAndDefaults() {
        BrokerConfig defaults = BrokerConfig.of(Map.of());
        assertThat(defaults.getInt("transactional.id.expiration.ms")).isEqualTo(7 * 24 * 60 * 60 * 1000);
        assertThat(defaults.getInt("transaction.remove.expired.transaction.cleanup.interval.ms")).isEqualTo(3_600_000);
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("transactional.id.expiration.ms", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("transactional.id.expiration.ms");
    }

    @Test
    void topicOverridesWinOverBrokerDefaults() {
        BrokerConfig broker = BrokerConfig.of(Map.of("log.retention.ms", "1000", "log.segment.bytes", "4096"));
        LogConfig topic = LogConfig.of(broker, Map.of("retention.ms", "5000"));
        assertThat(topic.retentionMs()).isEqualTo(5000);
        assertThat(topic.segmentBytes()).isEqualTo(4096);
        assertThatThrownBy(() -> LogConfig.of(broker, Map.of("retention.mss", "1")))
                .hasMessageContaining("retention.mss");
    }

    @Test
    void retentionAndRollFollowKafkasPrecedenceOfMsMinutesHours() {
        assertThat(BrokerConfig.of(Map.of()).logRetentionMs()).isEqualTo(168 * 3_600_000L);
        assertThat(BrokerConfig.of(Map.of("log.retention.hours", "2")).logRetentionMs()).isEqualTo(7_200_000L);
        assertThat(BrokerConfig.of(Map.of("log.retention.hours", "2", "log.retention.minutes", "3"))
                .logRetentionMs()).isEqualTo(180_000L);
        assertThat(BrokerConfig.of(Map.of("log.retention.minutes", "3", "log.retention.ms", "5")).logRetentionMs())
                .isEqualTo(5L);
        assertThat(BrokerConfig.of(Map.of("log.retention.ms", "-7")).logRetentionMs()).isEqualTo(-1L);
        assertThat(BrokerConfig.of(Map.of("log.roll.hours", "1")).logRollMs()).isEqualTo(3_600_000L);
        assertThat(BrokerConfig.of(Map.of("log.roll.hours", "1", "log.roll.ms", "9")).logRollMs()).isEqualTo(9L);
        assertThat(BrokerConfig.of(Map.of("log.roll.jitter.hours", "1")).logRollJitterMs()).isEqualTo(3_600_000L);
        LogConfig topic = LogConfig.of(BrokerConfig.of(Map.of("log.retention.minutes", "3",
                "log.roll.jitter.ms", "11")), Map.of());
        assertThat(topic.retentionMs()).isEqualTo(180_000L);
        assertThat(topic.segmentJitterMs()).isEqualTo(11L);
    }

    @Test
    void theShippedPropertiesFileIsValidAndShowsTheDefaults() throws Exception {
        Map<String, String> shipped = PropertiesLoader.readFile(Path.of("..", "config", "broker.properties"));
        BrokerConfig config = BrokerConfig.of(shipped);
        assertThat(config.logRetentionMs()).isEqualTo(BrokerConfig.of(Map.of()).logRetentionMs());
        assertThat(config.logRollMs()).isEqualTo(BrokerConfig.of(Map.of()).logRollMs());
    }

    @Test
    void kafkaKeysWithoutMeaningHereAreNamedOnceInOneLogLine() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(BrokerConfig.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            BrokerConfig.of(Map.of("ssl.client.auth", "required", "background.threads", "4",
                    "queued.max.requests", "100", "log.retention.hours", "1", "socket.send.buffer.bytes", "65536"));
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .containsExactly("Apache Kafka settings accepted, no effect: background.threads, queued.max.requests, "
                        + "ssl.client.auth");
    }

    @Test
    void zookeeperConnectionTimeoutDefaultsToTheSessionTimeout() {
        assertThat(BrokerConfig.of(Map.of("zookeeper.session.timeout.ms", "9000")).zookeeperConnectionTimeoutMs())
                .isEqualTo(9000);
        assertThat(BrokerConfig.of(Map.of("zookeeper.connection.timeout.ms", "6000")).zookeeperConnectionTimeoutMs())
                .isEqualTo(6000);
    }

    @Test
    void everyKafka39BrokerKeyIsAcceptedAndBadValuesOfThemAreStillRefused() {
        Map<String, KafkaBrokerConfigs.Key> kafka = KafkaBrokerConfigs.all();
        assertThat(kafka).hasSizeGreaterThan(300).containsKeys("log.retention.hours", "socket.send.buffer.bytes",
                "num.recovery.threads.per.data.dir", "zookeeper.connection.timeout.ms", "ssl.keystore.location");
        assertThat(BrokerConfig.definition().names()).containsAll(kafka.keySet());
        BrokerConfig config = BrokerConfig.of(Map.of("background.threads", "4", "ssl.client.auth", "none",
                "listener.name.internal.ssl.keystore.location", "/etc/ks.jks",
                "create.topic.policy.class.name", "com.example.NotOnThisClassPath"));
        assertThat(config.getInt("background.threads")).isEqualTo(4);
        assertThat(BrokerConfig.honours("background.threads")).isFalse();
        assertThat(BrokerConfig.honours("log.retention.hours")).isTrue();
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("background.threads", "many")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("background.threads");
    }
}
