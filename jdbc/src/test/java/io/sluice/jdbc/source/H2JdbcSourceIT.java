package io.sluice.jdbc.source;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDBC source scenarios on H2 in-memory databases (shared with the in-process worker), and validation. */
class H2JdbcSourceIT extends JdbcSourceContract {
    private static final AtomicInteger DB = new AtomicInteger();

    @BeforeAll
    static void start() {
        startWorker();
    }

    @Override
    String newDatabase() {
        return "jdbc:h2:mem:source" + DB.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    String user() {
        return null;
    }

    @Override
    String id(String name) {
        return name.toUpperCase(java.util.Locale.ROOT);
    }

    @Test
    void validateReportsEachBadSettingOnItsFieldAndCreateIsRefused() {
        Map<String, String> config = new HashMap<>(Map.of("name", "refused", "connector.class",
                "io.sluice.jdbc.source.JdbcSourceConnector", "connection.url", newDatabase(),
                "mode", "timestamp+incrementing", "topic.prefix", "x-", "table.whitelist", "a",
                "table.blacklist", "b"));
        Response validated = rest("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", config);
        assertThat(validated.status()).isEqualTo(200);
        assertThat(errorsOf(validated.body(), "incrementing.column.name")).singleElement().asString()
                .contains("needs incrementing.column.name");
        assertThat(errorsOf(validated.body(), "timestamp.column.name")).hasSize(1);
        assertThat(errorsOf(validated.body(), "table.whitelist")).singleElement().asString().contains("exclusive");
        assertThat(errorsOf(validated.body(), "table.blacklist")).hasSize(1);
        assertThat(errorsOf(validated.body(), "connection.url")).isEmpty();
        assertThat(validated.body().get("error_count").asInt()).isEqualTo(4);

        Response badValues = rest("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", Map.of(
                "connector.class", "JdbcSourceConnector", "connection.url", "jdbc:nosuchdb:x", "mode", "sometimes",
                "db.timezone", "Mars/Olympus", "batch.max.rows", "0", "numeric.mapping", "exact"));
        assertThat(errorsOf(badValues.body(), "mode")).singleElement().asString().contains("sometimes");
        assertThat(errorsOf(badValues.body(), "db.timezone")).singleElement().asString().contains("Mars/Olympus");
        assertThat(errorsOf(badValues.body(), "batch.max.rows")).hasSize(1);
        assertThat(errorsOf(badValues.body(), "numeric.mapping")).hasSize(1);
        assertThat(errorsOf(badValues.body(), "topic.prefix")).singleElement().asString().contains("Missing");

        Map<String, String> unreachable = new HashMap<>(config);
        unreachable.remove("table.blacklist");
        unreachable.put("incrementing.column.name", "id");
        unreachable.put("timestamp.column.name", "updated");
        unreachable.put("connection.url", "jdbc:nosuchdb:x");
        Response noDriver = rest("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", unreachable);
        assertThat(errorsOf(noDriver.body(), "connection.url")).singleElement().asString()
                .startsWith("Cannot connect to the database");

        Response refused = create("refused", config);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("message").asText())
                .startsWith("Connector configuration is invalid and contains the following 4 error(s):");
        assertThat(rest("GET", "/connectors/refused", null).status()).isEqualTo(404);
    }

    @Test
    void anUnknownColumnFailsTheTaskWithTheTablesColumnsAndTheWorkerStaysUp() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(10))");
        String name = "badcolumn";
        assertThat(create(name, connector(url, "incrementing", "bad-", Map.of("incrementing.column.name", "idx")))
                .status()).isEqualTo(201);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            JsonNode task = rest("GET", "/connectors/" + name + "/tasks/0/status", null).body();
            return task != null && task.has("state") && "FAILED".equals(task.get("state").asText());
        });
        String trace = rest("GET", "/connectors/" + name + "/tasks/0/status", null).body().get("trace").asText();
        assertThat(trace).contains("incrementing.column.name names column 'idx'").contains("[ID, LABEL]");
        assertThat(rest("GET", "/connectors/" + name + "/status", null).body().get("connector").get("state")
                .asText()).isEqualTo("RUNNING");
        assertThat(rest("GET", "/", null).status()).isEqualTo(200);
    }

    private static List<String> errorsOf(JsonNode validation, String key) {
        for (JsonNode config : validation.get("configs")) {
            if (config.get("definition").get("name").asText().equals(key)) {
                List<String> errors = new ArrayList<>();
                config.get("value").get("errors").forEach(e -> errors.add(e.asText()));
                return errors;
            }
        }
        throw new AssertionError("no config " + key + " in " + validation);
    }
}
