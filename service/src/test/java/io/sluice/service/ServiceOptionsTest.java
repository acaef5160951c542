package io.sluice.service;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void theFileThenTheOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "a=1\nb=2\n");
        assertThat(parse("--config", file.toString(), "-o", "b=3", "--override", "c=${env:HOME}").settings())
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "3", "c", System.getenv("HOME")));
    }

    @Test
    void configErrorsExitWithTwoAndOneLineNamingTheCulprit(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(err, true, StandardCharsets.UTF_8);
        ServiceOptions.Starter<Map<String, String>> neverStarted = c -> {
            throw new AssertionError("must not start");
        };
        Path missing = dir.resolve("missing.properties");
        assertThat(parse("--config", missing.toString()).run(s -> s, neverStarted, "svc", out)).isEqualTo(2);
        assertThat(parse("-o", "port=abc").run(s -> {
            throw new ConfigException("port", s.get("port"), "expected an integer");
        }, neverStarted, "svc", out)).isEqualTo(2);
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("Invalid configuration: ").contains(missing.toString());
        assertThat(lines[1]).contains("port").contains("abc");
    }

    @Test
    void aComponentThatCannotStartExitsWithOne() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = parse().run(s -> s, c -> {
            throw new IllegalStateException("Cannot reach the Kafka cluster");
        }, "svc", new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("svc failed to start: Cannot reach the Kafka cluster");
    }
}
