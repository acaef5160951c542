package io.sluice.broker.tools;

import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * librdkafka, through kcat, against Sluice: metadata, produce, consume from the beginning (which
 * needs ListOffsets at librdkafka's older versions) and a balanced consumer group. CI installs kcat;
 * where it is missing the test is skipped, not faked.
 */
class KcatIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    static String kcat(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kcat", "-b", broker.bootstrap()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kcat %s:%n%s", List.of(args), out).isZero();
        return out;
    }

    @Test
    void kcatProducesConsumesAndJoinsAGroup() throws Exception {
        broker.createTopic("kcat", 2, Map.of());
        assertThat(kcat(null, "-L", "-t", "kcat")).contains("topic \"kcat\" with 2 partitions");
        kcat("k1:one\nk2:two\nk3:three\n", "-P", "-t", "kcat", "-K:", "-z", "lz4");
        String consumed = kcat(null, "-C", "-t", "kcat", "-o", "beginning", "-e", "-f", "%k=%s\\n");
        assertThat(consumed).contains("k1=one", "k2=two", "k3=three");
        String grouped = kcat(null, "-G", "kcat-group", "-o", "beginning", "-e", "-f", "%s\\n", "kcat");
        assertThat(grouped).contains("one", "two", "three");
    }
}
