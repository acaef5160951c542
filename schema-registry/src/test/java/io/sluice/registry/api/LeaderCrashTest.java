package io.sluice.registry.api;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.cli.RegistryCommand;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The leader runs in a child JVM ({@code sluice registry}) and is killed with SIGKILL: it never leaves the group,
 * so the other instance takes over only once the group coordinator expires the dead member's session.
 */
class LeaderCrashTest {

    @Test
    void aKilledLeaderIsReplacedAndIdsContinue() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            Map<String, String> settings = Registries.settings(broker, "crash");
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String childUrl = "http://127.0.0.1:" + port;
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), RegistryCommand.class.getName()));
            settings.put(RegistryConfig.LISTENERS, childUrl);
            settings.forEach((k, v) -> command.addAll(List.of("--override", k + "=" + v)));
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(new File("target/leader-crash-child.log")).start();
            RegistryServer survivor = null;
            try {
                Http leader = new Http(childUrl);
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> leader.get("/subjects").status() == 200);
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> leader.postSchema("/subjects/before/versions", "\"string\"").status() == 200);

                survivor = RegistryServer.start(RegistryConfig.of(Registries.settings(broker, "crash")));
                RegistryServer b = survivor;
                await().atMost(Duration.ofSeconds(30)).until(() -> childUrl.equals(b.leaderUrl()));
                Http http = new Http(b.url());
                int beforeCrash = http.register("orders", "{\"type\":\"record\",\"name\":\"O\",\"fields\":[]}");

                child.destroyForcibly().waitFor();
                await().atMost(Duration.ofSeconds(45)).until(b::isLeader);
                int afterCrash = http.register("orders2", "{\"type\":\"record\",\"name\":\"O2\",\"fields\":[]}");
                assertThat(afterCrash).isGreaterThan(beforeCrash);
                assertThat(http.get("/subjects/orders/versions/1").json().get("id").asInt()).isEqualTo(beforeCrash);
            } finally {
                child.destroyForcibly();
                if (survivor != null) {
                    survivor.close();
                }
            }
        }
    }
}
