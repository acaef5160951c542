package io.sluice.broker.log;

import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** compression.type, its levels and the timestamp bounds: broker defaults, topic overrides, Kafka's validation. */
class LogConfigCompressionTest {

    @Test
    void brokerCompressionTypeIsTheTopicsDefaultAndATopicOverrideWins() {
        BrokerConfig broker = BrokerConfig.of(Map.of("compression.type", "gzip", "compression.gzip.level", "9",
                "log.message.timestamp.after.max.ms", "5000"));
        LogConfig inherited = LogConfig.of(broker, Map.of());
        assertThat(inherited.compression()).map(Compression::type).contains(CompressionType.GZIP);
        assertThat(inherited.compression()).contains(Compression.gzip().level(9).build());
        assertThat(inherited.messageTimestampAfterMaxMs()).isEqualTo(5000);
        assertThat(inherited.describe()).containsEntry("compression.type", "gzip");

        LogConfig own = LogConfig.of(broker, Map.of("compression.type", "producer"));
        assertThat(own.compression()).isEmpty();
        assertThat(LogConfig.of(broker, Map.of("compression.type", "uncompressed")).compression())
                .contains(Compression.NONE);
        assertThat(LogConfig.of(broker, Map.of("compression.type", "zstd", "compression.zstd.level", "-5"))
                .compression()).contains(Compression.zstd().level(-5).build());
    }

    @Test
    void kafkasRangesAreEnforced() {
        assertThatThrownBy(() -> LogConfig.validateOverrides(Map.of("compression.type", "brotli")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("compression.type");
        assertThatThrownBy(() -> LogConfig.validateOverrides(Map.of("compression.gzip.level", "10")))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> LogConfig.validateOverrides(Map.of("compression.lz4.level", "18")))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("compression.type", "brotli")))
                .isInstanceOf(ConfigException.class);
        LogConfig.validateOverrides(Map.of("compression.gzip.level", "-1", "compression.lz4.level", "17",
                "segment.jitter.ms", "100", "file.delete.delay.ms", "0", "flush.ms", "1000", "preallocate", "true"));
    }

    @Test
    void theDeprecatedDifferenceBoundsBothSidesUnlessTheyAreSet() {
        LogConfig difference = LogConfig.defaults(Map.of("message.timestamp.difference.max.ms", "1000"));
        assertThat(difference.messageTimestampBeforeMaxMs()).isEqualTo(1000);
        assertThat(difference.messageTimestampAfterMaxMs()).isEqualTo(1000);
        LogConfig explicit = LogConfig.defaults(Map.of("message.timestamp.difference.max.ms", "1000",
                "message.timestamp.before.max.ms", "7"));
        assertThat(explicit.messageTimestampBeforeMaxMs()).isEqualTo(7);
        assertThat(explicit.messageTimestampAfterMaxMs()).isEqualTo(1000);
    }
}
