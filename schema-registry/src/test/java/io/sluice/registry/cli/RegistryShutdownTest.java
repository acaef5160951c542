package io.sluice.registry.cli;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code sluice registry} in a child JVM stops cleanly on SIGTERM: its shutdown hook closes the registry (leaving
 * the group) before the process exits, and the other instance takes over.
 */
class RegistryShutdownTest {

    @Test
    void sigtermStopsTheRegistryAndHandsLeadershipOver() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            Map<String, String> settings = Registries.settings(broker, "sigterm");
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String childUrl = "http://127.0.0.1:" + port;
            settings.put(RegistryConfig.LISTENERS, childUrl);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), RegistryCommand.class.getName()));
            settings.forEach((k, v) -> command.addAll(List.of("--override", k + "=" + v)));
            File log = new File("target/registry-sigterm-child.log");
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
            try {
                Http leader = new Http(childUrl);
                await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> leader.postSchema("/subjects/before/versions", "\"string\"").status() == 200);
                try (RegistryServer other = RegistryServer.start(RegistryConfig.of(Registries.settings(broker, "sigterm")))) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> childUrl.equals(other.leaderUrl()));

                    child.destroy(); // SIGTERM
                    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(Files.readString(log.toPath())).contains("Schema registry " + childUrl + " stopped");
                    await().atMost(Duration.ofSeconds(30)).until(other::isLeader);
                    assertThat(new Http(other.url()).get("/subjects").body()).contains("before");
                }
            } finally {
                child.destroyForcibly();
            }
        }
    }
}
