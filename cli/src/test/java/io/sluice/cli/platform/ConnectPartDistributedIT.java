package io.sluice.cli.platform;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code connect.mode=distributed}: the platform's worker is a distributed worker with its topics on the broker. */
class ConnectPartDistributedIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theDistributedWorkerKeepsItsConnectorsInTheConnectTopicsAndRunsThem(@TempDir Path dir) throws Exception {
        Map<String, String> configured = new HashMap<>(Map.of("mode", "distributed", "listeners",
                "http://127.0.0.1:0", "session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"));
        Map<String, String> settings = ConnectPart.withDefaults(configured, dir, null);
        assertThat(settings).containsEntry("group.id", ConnectPart.DEFAULT_GROUP)
                .containsEntry("config.storage.replication.factor", "1")
                .doesNotContainKey("offset.storage.file.filename");
        try (TestBroker broker = TestBroker.start();
             ConnectPart connect = ConnectPart.start(settings, broker.bootstrap())) {
            Path input = dir.resolve("in.txt");
            java.nio.file.Files.writeString(input, "a\nb\n");
            String body = "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"" + input
                    + "\",\"topic\":\"platform-lines\"}}";
            HttpResponse<String> created = await().atMost(Duration.ofSeconds(60))
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create(connect.address() + "/connectors"))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() != 503);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> http.send(
                    HttpRequest.newBuilder(URI.create(connect.address() + "/connectors/src/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body(), s -> s.contains("\"tasks\":[{")
                    && s.contains("RUNNING"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(admin.listTopics().names().get())
                        .contains("connect-configs", "connect-offsets", "connect-status", "platform-lines"));
            }
        }
    }

    @Test
    void anUnknownModeIsAConfigError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConnectPart.withDefaults(Map.of("mode", "clustered"), dir, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("standalone or distributed");
    }
}
