package io.sluice.cli.platform;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.registry.RegistryConfig;
import io.sluice.service.config.PropertiesLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlatformSettingsTest {
    private static final Path CONFIG = Path.of("..", "config");

    @Test
    void prefixedOverridesWinOverEachPartsOwnFile() throws Exception {
        List<String> overrides = List.of("broker.log.dirs=/tmp/x", "registry.listeners=http://127.0.0.1:18081");
        Map<String, String> broker = PlatformSettings.of("broker.", CONFIG.resolve("broker.properties"),
                overrides);
        Map<String, String> registry = PlatformSettings.of("registry.", CONFIG.resolve("registry.properties"),
                overrides);
        assertThat(broker).containsEntry("log.dirs", "/tmp/x").containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092")
                .doesNotContainKey("registry.listeners");
        assertThat(registry).containsEntry("listeners", "http://127.0.0.1:18081").containsEntry("kafkastore.topic", "_schemas");
        assertThat(BrokerConfig.of(broker).listeners()).containsExactly("PLAINTEXT://127.0.0.1:9092");
        assertThat(RegistryConfig.of(registry).listenerPort).isEqualTo(18081);
    }

    @Test
    void theShippedFilesHoldTheDefaults() throws Exception {
        assertThat(RegistryConfig.of(PropertiesLoader.readFile(CONFIG.resolve("registry.properties"))).listenerHost)
                .isEqualTo(RegistryConfig.of(Map.of()).listenerHost).isEqualTo("127.0.0.1");
        assertThat(Files.exists(CONFIG.resolve("broker.properties"))).isTrue();
    }

    @Test
    void anOverrideMustNameItsPart() {
        assertThatThrownBy(() -> PlatformSettings.of("broker.", null, List.of("listeners=x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'listeners=x'");
        assertThatThrownBy(() -> PlatformSettings.of("broker.", null, List.of("broker.=x")))
                .hasMessageContaining("broker.KEY=VALUE");
        assertThat(Loopback.isLoopbackListener("PLAINTEXT://127.0.0.1:9092")).isTrue();
        assertThat(Loopback.isLoopbackListener("PLAINTEXT://0.0.0.0:9092")).isFalse();
        assertThat(Loopback.isLoopbackListener("PLAINTEXT://:9092")).isFalse();
    }
}
