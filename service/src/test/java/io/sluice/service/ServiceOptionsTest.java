package io.sluice.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceOptionsTest {
    @CommandLine.Command(name = "svc")
    static final class Svc {
        @CommandLine.Mixin
        ServiceOptions options = new ServiceOptions();
    }

    private static ServiceOptions parse(String... args) {
        Svc svc = new Svc();
        new CommandLine(svc).parseArgs(args);
        return svc.options;
    }

    private static Map<String, String> readProperties(Path file) throws java.io.IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> out = new java.util.HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    @Test
    void overridesWinOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "a=1\nb=2\n");
        Map<String, String> settings = parse("--config", file.toString(), "-o", "b=3", "--override", "c = x=y")
                .settings(ServiceOptionsTest::readProperties);
        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "3", "c", "x=y"));
    }

    @Test
    void noFileMeansOnlyTheOverrides() throws Exception {
        assertThat(parse("-o", "k=v").settings(f -> { throw new AssertionError("no file to read"); }))
                .containsExactly(Map.entry("k", "v"));
    }

    @Test
    void anOverrideWithoutKeyIsRefusedByName() {
        assertThatThrownBy(() -> parse("-o", "=v").settings(f -> Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'=v'");
        assertThatThrownBy(() -> parse("-o", "novalue").settings(f -> Map.of()))
                .hasMessageContaining("expected key=value");
    }
}
