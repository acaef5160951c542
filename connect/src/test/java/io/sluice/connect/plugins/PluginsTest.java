package io.sluice.connect.plugins;

import io.sluice.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scans the real connect-file 4.3.1 jar the build drops in target/plugins/connect-file. */
class PluginsTest {
    static final Path PLUGIN_PATH = Path.of("target/plugins");
    static Plugins plugins;

    @BeforeAll
    static void scan() {
        assertThat(PLUGIN_PATH.resolve("connect-file")).isDirectory();
        plugins = Plugins.scan(List.of(PLUGIN_PATH.toString()));
    }

    @Test
    void findsConnectorsOnThePluginPathInTheirOwnClassLoader() {
        PluginDesc source = plugins.find("org.apache.kafka.connect.file.FileStreamSourceConnector",
                Set.of(PluginType.SOURCE, PluginType.SINK));
        assertThat(source).isNotNull();
        assertThat(source.type()).isEqualTo(PluginType.SOURCE);
        // connect-file reports kafka-clients' version; 4.3.1's AppInfoParser moved in 4.4 and is bridged (compat).
        assertThat(source.version()).isEqualTo(io.sluice.connect.worker.WorkerInfo.VERSION);
        assertThat(source.loader()).isInstanceOf(PluginClassLoader.class);
        assertThat(source.location()).endsWith("connect-file");
        // The API the plugin implements is the runtime's own class, or the runtime could not call it.
        assertThat(SourceConnector.class.isAssignableFrom(source.pluginClass())).isTrue();
        assertThat(plugins.find("FileStreamSink", Set.of(PluginType.SINK)).className())
                .isEqualTo("org.apache.kafka.connect.file.FileStreamSinkConnector");
        assertThat(plugins.find("FileStreamSinkConnector", Set.of(PluginType.SINK))).isNotNull();
        assertThat(plugins.plugins(EnumSet.of(PluginType.SOURCE, PluginType.SINK))).extracting(PluginDesc::className)
                .contains("org.apache.kafka.connect.file.FileStreamSourceConnector",
                        "org.apache.kafka.connect.file.FileStreamSinkConnector");
    }

    @Test
    void newConnectorInstantiatesThePluginsClass() {
        Connector connector = plugins.newConnector("FileStreamSource");
        assertThat(connector.getClass().getClassLoader()).isInstanceOf(PluginClassLoader.class);
        assertThat(connector.version()).isEqualTo(io.sluice.connect.worker.WorkerInfo.VERSION);
    }

    @Test
    void findsClasspathConvertersAndTransforms() {
        assertThat(plugins.find(JsonConverter.class.getName(), Set.of(PluginType.CONVERTER))).isNotNull();
        assertThat(plugins.find("org.apache.kafka.connect.storage.StringConverter", Set.of(PluginType.CONVERTER)))
                .isNotNull();
        assertThat(plugins.find("org.apache.kafka.connect.transforms.InsertField$Value",
                Set.of(PluginType.TRANSFORMATION))).isNotNull();
        assertThat(plugins.find("org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                Set.of(PluginType.PREDICATE))).isNotNull();
        // Kafka's ByteArrayConverter lives in connect-runtime; configs naming it get Sluice's.
        Converter bytes = plugins.newPlugin("org.apache.kafka.connect.converters.ByteArrayConverter",
                PluginType.CONVERTER, Converter.class);
        assertThat(bytes).isInstanceOf(ByteArrayConverter.class);
    }

    @Test
    void unknownConnectorIsNamedWithTheAvailableOnes() {
        assertThatThrownBy(() -> plugins.newConnector("com.example.NoSuchConnector"))
                .hasMessageStartingWith("Failed to find any class that implements Connector and which name matches "
                        + "com.example.NoSuchConnector")
                .hasMessageContaining("FileStreamSourceConnector");
    }

    @Test
    void aPluginPathEntryThatDoesNotExistIsAConfigError() {
        assertThatThrownBy(() -> Plugins.scan(List.of("target/no-such-plugins")))
                .hasMessageContaining("plugin.path");
    }

    @Test
    void sharedPackagesComeFromTheRuntimeOthersFromThePlugin() throws Exception {
        Path jar = Files.list(PLUGIN_PATH.resolve("connect-file")).findFirst().orElseThrow();
        try (PluginClassLoader loader = new PluginClassLoader(jar.toString(), new java.net.URL[] {jar.toUri().toURL()},
                getClass().getClassLoader())) {
            assertThat(loader.loadClass(SourceConnector.class.getName())).isSameAs(SourceConnector.class);
            assertThat(loader.loadClass("org.apache.kafka.connect.file.FileStreamSourceTask").getClassLoader())
                    .isSameAs(loader);
            assertThat(PluginClassLoader.isShared("org.slf4j.Logger")).isTrue();
            assertThat(PluginClassLoader.isShared("com.fasterxml.jackson.databind.ObjectMapper")).isFalse();
        }
    }
}
