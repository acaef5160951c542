package io.sluice.cli.platform;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The platform's defaults for its Connect worker, and that a user's settings win over them. */
class ConnectPartTest {
    private static final Path DATA = Path.of("/var/lib/sluice");

    @Test
    void anUnconfiguredWorkerGetsThePlatformsDefaults() {
        Map<String, String> settings = ConnectPart.withDefaults(Map.of(), DATA, "http://127.0.0.1:8081");
        assertThat(settings).containsEntry("listeners", "http://127.0.0.1:8083")
                .containsEntry("offset.storage.file.filename", "/var/lib/sluice/connect/connect.offsets")
                .containsEntry("key.converter.schema.registry.url", "http://127.0.0.1:8081")
                .containsEntry("value.converter.schema.registry.url", "http://127.0.0.1:8081");
        // the build copies connect-file into cli/target/plugins, beside the classes the tests run from
        assertThat(Path.of(settings.get("plugin.path"))).endsWith(Path.of("target", "plugins"));
        assertThat(Path.of(settings.get("plugin.path")).resolve("connect-file")).isDirectory();
    }

    @Test
    void settingsTheUserGaveAreKept() {
        Map<String, String> given = Map.of("listeners", "http://0.0.0.0:18083", "plugin.path", "/opt/connectors",
                "offset.storage.file.filename", "/tmp/o", "value.converter.schema.registry.url", "http://other:8081");
        Map<String, String> settings = ConnectPart.withDefaults(given, DATA, "http://127.0.0.1:8081");
        assertThat(settings).containsAllEntriesOf(given)
                .containsEntry("key.converter.schema.registry.url", "http://127.0.0.1:8081");
        assertThat(ConnectPart.withDefaults(Map.of(), DATA, null).keySet())
                .doesNotContainAnyElementsOf(List.of("key.converter.schema.registry.url",
                        "value.converter.schema.registry.url"));
    }
}
