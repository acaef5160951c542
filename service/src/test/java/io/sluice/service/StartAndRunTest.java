package io.sluice.service;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StartAndRunTest {
    @Test
    void aBadSettingIsAConfigErrorAndAFailedStartAStartFailureEachWithOneLineOnStderr() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(ServiceOptions.<AutoCloseable>startAndRun(() -> {
                throw new ConfigException("listeners", "nope", "not a URL");
            }, "sluice-thing", s -> "ready")).isEqualTo(ServiceOptions.EXIT_CONFIG_ERROR);
            assertThat(ServiceOptions.<AutoCloseable>startAndRun(() -> {
                throw new IllegalStateException("port 8083 taken");
            }, "sluice-thing", s -> "ready")).isEqualTo(ServiceOptions.EXIT_START_FAILED);
        } finally {
            System.setErr(original);
        }
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "Invalid configuration: Invalid value nope for configuration listeners: not a URL",
                "sluice-thing failed to start: port 8083 taken");
    }
}
