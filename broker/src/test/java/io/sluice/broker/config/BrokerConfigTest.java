package io.sluice.broker.config;

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
}
