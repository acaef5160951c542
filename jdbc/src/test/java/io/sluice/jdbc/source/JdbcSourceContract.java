package io.sluice.jdbc.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.ConnectStandalone;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JDBC source connector on Sluice's own Connect runtime against a real broker, read back with a real
 * consumer; run on each database by a subclass. One broker and one worker per class; each test has its own
 * database, connector and topics.
 */
abstract class JdbcSourceContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SEQ = new AtomicInteger();
    static TestBroker broker;
    static ConnectStandalone worker;
    /** The test thread's reader of topics, made on first use. */
    private static KafkaConsumer<byte[], byte[]> consumer;
    private static final JsonConverter converter = new JsonConverter();
    @TempDir
    static Path dir;

    /** A fresh, empty database for one test. */
    abstract String newDatabase() throws Exception;

    /** The connection user, or null. */
    abstract String user();

    /** An unquoted identifier as the database stores it (H2 upper-cases, PostgreSQL lower-cases). */
    abstract String id(String name);

    static void startWorker() {
        // The topic reader's consumer belongs to the test thread.
        org.awaitility.Awaitility.pollInSameThread();
        broker = TestBroker.start();
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrap());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        settings.put("offset.flush.interval.ms", "200");
        settings.put("key.converter", JsonConverter.class.getName());
        settings.put("value.converter", JsonConverter.class.getName());
        worker = ConnectStandalone.start(settings, List.of());
    }

    @AfterAll
    static void stopWorker() {
        // Also called by a subclass before it stops its database, so tasks do not log its going away.
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
        if (worker != null) {
            worker.close();
            worker = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    // ---- scenarios

    @Test
    void incrementingModeResumesAfterATaskRestartWithoutLossOrDuplicates() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40) NOT NULL)");
        for (int i = 1; i <= 5; i++) {
            sql(url, "INSERT INTO orders VALUES (" + i + ", 'item " + i + "')");
        }
        String name = "inc" + SEQ.incrementAndGet();
        String prefix = name + "-";
        assertThat(create(name, connector(url, "incrementing", prefix, Map.of("incrementing.column.name", "id")))
                .status()).isEqualTo(201);
        String topic = prefix + id("orders");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> read(topic).size() >= 5);

        assertThat(rest("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
        for (int i = 6; i <= 9; i++) {
            sql(url, "INSERT INTO orders VALUES (" + i + ", 'item " + i + "')");
        }
        assertThat(rest("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);

        List<Struct> rows = readAtLeast(topic, 9);
        assertThat(rows).extracting(r -> r.get(id("id"))).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(rows.get(8).get(id("item"))).isEqualTo("item 9");
    }

    @Test
    void timestampModesKeepEqualTimestampsTogetherAcrossATaskRestart() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE events (id INT PRIMARY KEY, updated TIMESTAMP NOT NULL)");
        // Groups of three rows per timestamp, with batch.max.rows=2: no batch may end inside a group.
        insertGroups(url, 1, 3, 3);
        for (String mode : List.of("timestamp", "timestamp+incrementing")) {
            String name = "ts" + SEQ.incrementAndGet();
            String topic = name + "-" + id("events");
            create(name, connector(url, mode, name + "-", Map.of("timestamp.column.name", "updated",
                    "incrementing.column.name", "id", "batch.max.rows", "2")));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> read(topic).size() >= 9);
            assertThat(rest("POST", "/connectors/" + name + "/restart?includeTasks=true", null).status())
                    .isEqualTo(202);
            insertGroupsIfAbsent(url, 4, 3, 3);
            List<Struct> rows = readAtLeast(topic, 18);
            assertThat(rows).as(mode).extracting(r -> ((Number) r.get(id("id"))).intValue())
                    .containsExactlyInAnyOrderElementsOf(range(1, 18));
        }
    }

    @Test
    void decimalsDatesTimesAndNullsMapToConnectTypes() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE prices (id INT PRIMARY KEY, amount DECIMAL(12,3), small NUMERIC(4,0), "
                + "ratio NUMERIC(6,2), sold_on DATE, at_time TIME, updated TIMESTAMP, note VARCHAR(10), "
                + "qty INT, flag BOOLEAN, big BIGINT NOT NULL, stamped TIMESTAMP WITH TIME ZONE)");
        sql(url, "INSERT INTO prices VALUES (1, 12345.678, 42, 3.25, DATE '2024-02-29', TIME '13:45:30', "
                + "TIMESTAMP '2024-01-15 12:00:00.123', 'n', 7, TRUE, 9000000000, "
                + "TIMESTAMP WITH TIME ZONE '2024-01-15 12:00:00+02:00')");
        sql(url, "INSERT INTO prices VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL)");
        String name = "types" + SEQ.incrementAndGet();
        create(name, connector(url, "incrementing", name + "-", Map.of("incrementing.column.name", "id",
                "db.timezone", "Europe/Paris")));
        String other = "best" + SEQ.incrementAndGet();
        create(other, connector(url, "bulk", other + "-", Map.of("numeric.mapping", "best_fit",
                "poll.interval.ms", "60000")));

        List<Struct> rows = readAtLeast(name + "-" + id("prices"), 2);
        Struct full = rows.get(0);
        Schema schema = full.schema();
        assertThat(schema.name()).isEqualTo(id("prices"));
        assertThat(schema.field(id("amount")).schema().name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(schema.field(id("amount")).schema().isOptional()).isTrue();
        assertThat(schema.field(id("big")).schema().isOptional()).isFalse();
        assertThat(full.get(id("amount"))).isEqualTo(new BigDecimal("12345.678"));
        assertThat(full.get(id("small"))).isEqualTo(new BigDecimal("42"));
        assertThat(((java.util.Date) full.get(id("sold_on"))).toInstant()).isEqualTo(Instant.parse("2024-02-29T00:00:00Z"));
        assertThat(((java.util.Date) full.get(id("at_time"))).getTime()).isEqualTo((13 * 3600 + 45 * 60 + 30) * 1000L);
        // Written in Paris (db.timezone), winter time: UTC+1.
        assertThat(((java.util.Date) full.get(id("updated"))).toInstant())
                .isEqualTo(Instant.parse("2024-01-15T11:00:00.123Z"));
        // A value with its own offset ignores db.timezone.
        assertThat(((java.util.Date) full.get(id("stamped"))).toInstant())
                .isEqualTo(Instant.parse("2024-01-15T10:00:00Z"));
        assertThat(full.get(id("note"))).isEqualTo("n");
        assertThat(full.get(id("qty"))).isEqualTo(7);
        assertThat(full.get(id("flag"))).isEqualTo(true);
        assertThat(full.get(id("big"))).isEqualTo(9_000_000_000L);
        Struct empty = rows.get(1);
        for (String column : List.of("amount", "small", "ratio", "sold_on", "at_time", "updated", "note", "qty", "flag")) {
            assertThat(empty.get(id(column))).as(column).isNull();
        }

        Struct bestFit = readAtLeast(other + "-" + id("prices"), 2).get(0);
        assertThat(bestFit.get(id("small"))).isEqualTo((short) 42);
        assertThat(bestFit.get(id("ratio"))).isEqualTo(3.25);
        assertThat(bestFit.get(id("amount"))).isEqualTo(12345.678);
    }

    @Test
    void aNewTableIsFoundAndCopied() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE first_table (id INT PRIMARY KEY)");
        sql(url, "INSERT INTO first_table VALUES (1)");
        String name = "new" + SEQ.incrementAndGet();
        create(name, connector(url, "incrementing", name + "-", Map.of("incrementing.column.name", "id",
                "table.poll.interval.ms", "300", "tasks.max", "2")));
        readAtLeast(name + "-" + id("first_table"), 1);

        sql(url, "CREATE TABLE second_table (id INT PRIMARY KEY, label VARCHAR(10))");
        sql(url, "INSERT INTO second_table VALUES (1, 'a'), (2, 'b')");
        List<Struct> rows = readAtLeast(name + "-" + id("second_table"), 2);
        assertThat(rows).extracting(r -> r.get(id("label"))).containsExactly("a", "b");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                rest("GET", "/connectors/" + name + "/tasks", null).body().size() == 2);
        sql(url, "INSERT INTO first_table VALUES (2)");
        assertThat(readAtLeast(name + "-" + id("first_table"), 2)).extracting(r -> r.get(id("id")))
                .containsExactly(1, 2);
    }

    @Test
    void queryModeCopiesTheQuerysRowsToTheTopicPrefix() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20), vip BOOLEAN)");
        sql(url, "INSERT INTO customers VALUES (1, 'ann', TRUE), (2, 'bob', FALSE), (3, 'cy', TRUE)");
        String name = "query" + SEQ.incrementAndGet();
        create(name, connector(url, "incrementing", name + "-vips", Map.of("incrementing.column.name", "id",
                "query", "SELECT id, name FROM customers WHERE vip")));
        List<Struct> rows = readAtLeast(name + "-vips", 2);
        assertThat(rows).extracting(r -> r.get(id("name"))).containsExactly("ann", "cy");
        assertThat(rows.get(0).schema().field(id("vip"))).isNull();
        sql(url, "INSERT INTO customers VALUES (4, 'dee', TRUE)");
        assertThat(readAtLeast(name + "-vips", 3)).extracting(r -> r.get(id("name")))
                .containsExactly("ann", "cy", "dee");
    }

    @Test
    void bulkModeCopiesTheWholeTableEveryPoll() throws Exception {
        String url = newDatabase();
        sql(url, "CREATE TABLE colors (name VARCHAR(10))");
        sql(url, "INSERT INTO colors VALUES ('red'), ('green')");
        String name = "bulk" + SEQ.incrementAndGet();
        create(name, connector(url, "bulk", name + "-", Map.of("poll.interval.ms", "300")));
        List<Struct> rows = readAtLeast(name + "-" + id("colors"), 6);
        assertThat(rows.subList(0, 6)).extracting(r -> r.get(id("name")))
                .containsExactly("red", "green", "red", "green", "red", "green");
    }

    // ---- helpers

    /**
     * Each group in one statement, as one transaction writes rows sharing a timestamp: a row committed later
     * with a timestamp already read is the one case timestamp mode cannot see (and says so).
     */
    private void insertGroups(String url, int firstId, int groups, int perGroup) throws SQLException {
        int id = firstId;
        for (int g = 0; g < groups; g++) {
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < perGroup; i++, id++) {
                int second = (id - 1) / perGroup;
                rows.add("(" + id + ", TIMESTAMP '2024-01-01 00:00:00' + " + interval(second) + ")");
            }
            sql(url, "INSERT INTO events VALUES " + String.join(", ", rows));
        }
    }

    /** The second restart-test round adds rows 10..18 once, for both modes' connectors to see. */
    private void insertGroupsIfAbsent(String url, int firstGroup, int groups, int perGroup) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user(), null); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            if (rs.getInt(1) > (firstGroup - 1) * perGroup) {
                return;
            }
        }
        insertGroups(url, (firstGroup - 1) * perGroup + 1, groups, perGroup);
    }

    /** An SQL interval of {@code seconds} seconds, as both H2 and PostgreSQL write it. */
    private static String interval(int seconds) {
        return "INTERVAL '" + seconds + "' SECOND";
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> values = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            values.add(i);
        }
        return values;
    }

    Map<String, String> connector(String url, String mode, String prefix, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "JdbcSourceConnector");
        config.put("connection.url", url);
        if (user() != null) {
            config.put("connection.user", user());
        }
        config.put("mode", mode);
        config.put("topic.prefix", prefix);
        config.put("poll.interval.ms", "200");
        config.putAll(extra);
        return config;
    }

    void sql(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user(), null); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    record Response(int status, JsonNode body) {
    }

    Response create(String name, Map<String, String> config) {
        return rest("POST", "/connectors", Map.of("name", name, "config", config));
    }

    static Response rest(String method, String path, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(worker.url() + path.substring(1)))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            return new Response(response.statusCode(), text == null || text.isBlank() ? null : JSON.readTree(text));
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    /** Every record on the topic so far (partition 0), values as Connect data. */
    static List<Struct> read(String topic) {
        if (consumer == null) {
            consumer = broker.bytesConsumer(null, Map.of());
            converter.configure(Map.of("schemas.enable", "true"), false);
        }
        List<Struct> values = new ArrayList<>();
        // Asking for the partitions creates a topic not there yet (auto.create.topics.enable): it reads as empty.
        if (consumer.partitionsFor(topic, Duration.ofSeconds(10)).isEmpty()) {
            return values;
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
        long deadline = System.currentTimeMillis() + 10_000;
        while (consumer.position(partition) < end && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                values.add((Struct) converter.toConnectData(topic, record.value()).value());
            }
        }
        return values;
    }

    /** Waits for {@code expected} records, then reads once more after a pause so duplicates would show. */
    static List<Struct> readAtLeast(String topic, int expected) throws InterruptedException {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> read(topic).size() >= expected);
        Thread.sleep(700);
        return read(topic);
    }
}
