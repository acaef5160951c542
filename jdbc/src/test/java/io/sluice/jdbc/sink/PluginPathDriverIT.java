package io.sluice.jdbc.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.ConnectStandalone;
import io.sluice.connect.worker.TargetState;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.jdbc.sink.Json.field;
import static io.sluice.jdbc.sink.Json.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A JDBC driver Sluice does not ship (HSQLDB), dropped in a plugin.path directory of its own, is found by the sink
 * (which is on the worker's classpath), and the generic dialect writes through it; the source connector's
 * validate() finds it too.
 */
class PluginPathDriverIT {
    static final Path PLUGIN_PATH = Path.of("target/plugins").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void theSinkWritesThroughADriverFoundOnlyOnThePluginPath() throws Exception {
        assertThatThrownBy(() -> Class.forName("org.hsqldb.jdbc.JDBCDriver"))
                .as("the driver must not be on the test's classpath").isInstanceOf(ClassNotFoundException.class);
        String topic = "plugin_driver";
        String url = "jdbc:hsqldb:mem:pluginsink";
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic(topic, 1, Map.of());
            Map<String, String> worker = new HashMap<>();
            worker.put("bootstrap.servers", broker.bootstrap());
            worker.put("listeners", "http://127.0.0.1:0");
            worker.put("plugin.path", PLUGIN_PATH.toString());
            worker.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
            worker.put("key.converter", JsonConverter.class.getName());
            worker.put("value.converter", JsonConverter.class.getName());
            ConnectStandalone connect = ConnectStandalone.start(worker, List.of());
            try {
                // The source connector's validate() connects through the same driver lookup as the pools.
                assertThat(urlErrors(connect, url)).isEmpty();
                assertThat(urlErrors(connect, "jdbc:hsqldb:hsql://127.0.0.1:1/nothing")).singleElement()
                        .asString().startsWith("Cannot connect to the database");
                connect.herder().putConnectorConfig("hsqldb-sink", Map.of("connector.class", "JdbcSinkConnector",
                        "topics", topic, "connection.url", url, "connection.user", "SA", "auto.create", "true"),
                        false, TargetState.STARTED);
                List<Json.Field> schema = List.of(field("id", "int32"), field("name", "string"));
                try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                    producer.send(new ProducerRecord<>(topic, null, struct(schema, 1, "one")));
                    producer.send(new ProducerRecord<>(topic, null, struct(schema, 2, "two")));
                }
                // The test reaches the database through the same registration (DriverManager) the sink used.
                Db db = new Db(url, "SA");
                await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(
                        db.rows("SELECT \"id\", \"name\" FROM \"" + topic + "\" ORDER BY \"id\""))
                        .containsExactly("1|one", "2|two"));
            } finally {
                connect.close();
            }
        }
    }

    /** The errors validate reports on connection.url. */
    private static List<String> urlErrors(ConnectStandalone connect, String url) throws Exception {
        Map<String, String> config = Map.of("name", "hsqldb-source", "connector.class", "JdbcSourceConnector", "connection.url", url,
                "connection.user", "SA", "mode", "bulk", "topic.prefix", "hsql-");
        ObjectMapper json = new ObjectMapper();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(connect.url() + "connector-plugins/JdbcSourceConnector/config/validate"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> errors = new java.util.ArrayList<>();
        for (JsonNode setting : json.readTree(response.body()).get("configs")) {
            if (setting.get("value").get("name").asText().equals("connection.url")) {
                setting.get("value").get("errors").forEach(e -> errors.add(e.asText()));
            }
        }
        return errors;
    }
}
