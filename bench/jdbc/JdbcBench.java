import io.sluice.connect.ConnectStandalone;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.json.JsonConverter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The JDBC connectors' throughput against one database, for bench/jdbc.sh. One JVM holds a standalone Connect
 * worker (Sluice's, talking to the broker at BOOTSTRAP) and does the plain-JDBC ceilings, so both sides share the
 * same JVM, database and machine. Workloads, each a warm-up round of WARMUP rows then ROUNDS rounds of ROWS rows:
 * <ul>
 *   <li>source bulk / incrementing: from creating the connector until the topic holds every row of the table;</li>
 *   <li>select ceiling: one {@code SELECT * ... ORDER BY id} reading every column of every row;</li>
 *   <li>sink insert / upsert, exactly.once off / on: from creating the connector (rows already in the topic,
 *       JSON with schemas) until the table holds every row;</li>
 *   <li>insert ceiling: batched {@code INSERT}s of the same rows, batch.size rows per batch and transaction.</li>
 * </ul>
 * Connector rounds count rows/s from the first row seen (so the connector's start-up — task start, consumer group
 * join — is not divided into the throughput; it is printed apart). Prints "ROUND db workload round rows seconds
 * start-seconds rows/s" lines and, per workload, "RESULT db workload median min max" in rows/s. Usage: java -cp CP JdbcBench.java BOOTSTRAP DB URL USER ROWS WARMUP ROUNDS WORKDIR BATCH_MAX_ROWS
 */
public class JdbcBench {
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(15);
    static final int SINK_BATCH = 3000;   // the sink's batch.size default, as Confluent's

    final String bootstrap;
    final String db;
    final String url;
    final String user;
    final Path work;
    final String batchMaxRows;
    final boolean upper;   // H2 stores unquoted names in upper case: the topic is prefix + table name
    final HttpClient http = HttpClient.newHttpClient();
    final Map<String, List<Double>> results = new LinkedHashMap<>();
    ConnectStandalone worker;
    Admin admin;
    int seq;

    JdbcBench(String[] a) {
        bootstrap = a[0];
        db = a[1];
        url = a[2];
        user = a[3].isEmpty() ? null : a[3];
        work = Path.of(a[7]);
        batchMaxRows = a[8];
        upper = db.equals("h2");
    }

    public static void main(String[] args) throws Exception {
        JdbcBench bench = new JdbcBench(args);
        int rows = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        int rounds = Integer.parseInt(args[6]);
        try {
            bench.run(rows, warmup, rounds);
        } finally {
            bench.close();
        }
        System.exit(0);
    }

    void run(int rows, int warmup, int rounds) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", bootstrap);
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("offset.storage.file.filename", work.resolve("connect-" + db + ".offsets").toString());
        settings.put("key.converter", JsonConverter.class.getName());
        settings.put("value.converter", JsonConverter.class.getName());
        worker = ConnectStandalone.start(settings, List.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));

        fillSourceTable("src_warm", warmup);
        fillSourceTable("src", rows);
        for (String mode : List.of("bulk", "incrementing")) {
            measure("source " + mode, warmup, rows, rounds, (table, n) -> source(mode, table, n));
        }
        measure("select ceiling", warmup, rows, rounds, this::selectAll);

        String warmTopic = produce("sink-warm-" + db, warmup);
        String topic = produce("sink-in-" + db, rows);
        for (String insertMode : List.of("insert", "upsert")) {
            for (boolean eos : List.of(false, true)) {
                measure("sink " + insertMode + ", exactly.once " + (eos ? "on" : "off"), warmup, rows, rounds,
                        (table, n) -> sink(insertMode, eos, table.equals("src_warm") ? warmTopic : topic, n));
            }
        }
        measure("insert ceiling", warmup, rows, rounds, (table, n) -> insertAll(n));
        results.forEach((workload, values) -> {
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            System.out.printf("RESULT\t%s\t%s\t%.0f\t%.0f\t%.0f%n", db, workload, median, sorted.get(0),
                    sorted.get(sorted.size() - 1));
        });
    }

    /**
     * One round: its whole duration, and its rows/s from the first row seen to the last (a connector's start —
     * task start, consumer group join — is a constant that says nothing about throughput; it is printed).
     */
    record Timing(double seconds, double startSeconds, double rowsPerSecond) {
        static Timing whole(double seconds, int rows) {
            return new Timing(seconds, 0, rows / seconds);
        }
    }

    interface Workload {
        /** Runs once over {@code rows} rows (of source table {@code table}). */
        Timing run(String table, int rows) throws Exception;
    }

    void measure(String name, int warmup, int rows, int rounds, Workload workload) throws Exception {
        Timing warm = workload.run("src_warm", warmup);
        System.out.printf("ROUND\t%s\t%s\twarm-up\t%d\t%.3f\t%.3f\t%.0f%n", db, name, warmup, warm.seconds(),
                warm.startSeconds(), warm.rowsPerSecond());
        for (int r = 1; r <= rounds; r++) {
            Timing t = workload.run("src", rows);
            System.out.printf("ROUND\t%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.0f%n", db, name, r, rows, t.seconds(),
                    t.startSeconds(), t.rowsPerSecond());
            results.computeIfAbsent(name, k -> new ArrayList<>()).add(t.rowsPerSecond());
        }
    }

    // ---- source

    void fillSourceTable(String table, int rows) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
            s.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT, "
                    + "price DOUBLE PRECISION, created TIMESTAMP NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    bindRow(insert, i);
                    insert.addBatch();
                    if (i % SINK_BATCH == 0 || i == rows) {
                        insert.executeBatch();
                        c.commit();
                    }
                }
            }
        }
    }

    static void bindRow(PreparedStatement insert, long id) throws SQLException {
        insert.setLong(1, id);
        insert.setString(2, "customer " + id);
        insert.setInt(3, (int) (id % 100));
        insert.setDouble(4, id * 0.25);
        insert.setObject(5, java.time.LocalDateTime.of(2024, 1, 1, 0, 0).plusSeconds(id));
    }

    Timing source(String mode, String table, int rows) throws Exception {
        String name = "src-" + db + "-" + mode + "-" + (++seq);
        String prefix = name + "-";
        String topic = prefix + (upper ? table.toUpperCase() : table);
        Map<String, String> config = new HashMap<>(base());
        config.put("connector.class", "JdbcSourceConnector");
        config.put("mode", mode);
        config.put("incrementing.column.name", "id");
        config.put("table.whitelist", table);
        config.put("topic.prefix", prefix);
        config.put("poll.interval.ms", "3600000");   // bulk: one copy of the table per round
        config.put("batch.max.rows", batchMaxRows);
        long start = System.nanoTime();
        create(name, config);
        Timing timing = awaitAtLeast(name, rows, start, () -> endOffset(topic));
        delete(name);
        admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        return timing;
    }

    Timing selectAll(String table, int rows) throws SQLException {
        long start = System.nanoTime();
        long read = 0;
        try (Connection c = connect()) {
            c.setAutoCommit(false);   // PostgreSQL streams a result set only inside a transaction
            try (Statement s = c.createStatement()) {
                s.setFetchSize(Integer.parseInt(batchMaxRows));
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY id")) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            rs.getObject(i);
                        }
                        read++;
                    }
                }
            }
            c.rollback();
        }
        if (read != rows) {
            throw new IllegalStateException("read " + read + " rows of " + table + ", expected " + rows);
        }
        return Timing.whole((System.nanoTime() - start) / 1e9, rows);
    }

    long endOffset(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(10, TimeUnit.SECONDS)
                    .offset();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- sink

    String produce(String topic, int rows) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        String schema = "{\"type\":\"struct\",\"name\":\"row\",\"optional\":false,\"fields\":["
                + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                + "{\"field\":\"name\",\"type\":\"string\",\"optional\":false},"
                + "{\"field\":\"qty\",\"type\":\"int32\",\"optional\":true},"
                + "{\"field\":\"price\",\"type\":\"double\",\"optional\":true}]}";
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (long id = 1; id <= rows; id++) {
                String payload = "{\"id\":" + id + ",\"name\":\"customer " + id + "\",\"qty\":" + (id % 100)
                        + ",\"price\":" + (id * 0.25) + "}";
                producer.send(new ProducerRecord<>(topic, null, "{\"schema\":" + schema + ",\"payload\":" + payload
                        + "}"), (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        return topic;
    }

    Timing sink(String insertMode, boolean eos, String topic, int rows) throws Exception {
        String name = "sink-" + db + "-" + insertMode + (eos ? "-eos-" : "-") + (++seq);
        String table = name.replace('-', '_');
        Map<String, String> config = new HashMap<>(base());
        config.put("connector.class", "JdbcSinkConnector");
        config.put("topics", topic);
        config.put("table.name.format", table);
        config.put("auto.create", "true");
        config.put("quote.sql.identifiers", "never");
        config.put("insert.mode", insertMode);
        if (insertMode.equals("upsert")) {
            config.put("pk.mode", "record_value");
            config.put("pk.fields", "id");
        }
        config.put("exactly.once", Boolean.toString(eos));
        long start = System.nanoTime();
        create(name, config);
        Timing timing = awaitAtLeast(name, rows, start, () -> count(table));
        delete(name);
        drop(table);
        return timing;
    }

    Timing insertAll(int rows) throws SQLException {
        String table = "ceiling_" + (++seq);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            // The columns the sink's auto.create makes for the same records.
            s.execute("CREATE TABLE " + table + " (id BIGINT NOT NULL, name " + (upper ? "VARCHAR" : "TEXT")
                    + " NOT NULL, qty INT, price DOUBLE PRECISION)");
        }
        long start = System.nanoTime();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    insert.setLong(1, i);
                    insert.setString(2, "customer " + i);
                    insert.setInt(3, i % 100);
                    insert.setDouble(4, i * 0.25);
                    insert.addBatch();
                    if (i % SINK_BATCH == 0 || i == rows) {
                        insert.executeBatch();
                        c.commit();
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        drop(table);
        return Timing.whole(seconds, rows);
    }

    long count(String table) {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0;   // not created yet
        }
    }

    void drop(String table) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    // ---- plumbing

    Map<String, String> base() {
        Map<String, String> config = new HashMap<>();
        config.put("connection.url", url);
        if (user != null) {
            config.put("connection.user", user);
        }
        config.put("tasks.max", "1");
        return config;
    }

    /**
     * Waits until {@code progress} reaches {@code rows}, failing when the connector's task fails or time is up.
     * Rows/s count from the first observation of some progress: (rows - seen then) / (end - then).
     */
    Timing awaitAtLeast(String connector, int rows, long start, LongSupplier progress) throws Exception {
        long deadline = start + STEP_TIMEOUT.toNanos();
        long checked = System.nanoTime();
        long firstAt = -1;
        long firstCount = 0;
        long now;
        while (true) {
            long seen = progress.getAsLong();
            now = System.nanoTime();
            if (seen > 0 && firstAt < 0) {
                firstAt = now;
                firstCount = seen;
            }
            if (seen >= rows) {
                break;
            }
            if (now > deadline) {
                throw new IllegalStateException(connector + ": only " + seen + " of " + rows + " rows after "
                        + STEP_TIMEOUT);
            }
            if (now - checked > 5_000_000_000L) {
                checked = now;
                String status = rest("GET", "/connectors/" + connector + "/status", null);
                if (status.contains("\"FAILED\"")) {
                    throw new IllegalStateException(connector + " failed: " + status);
                }
            }
            Thread.sleep(20);
        }
        double seconds = (now - start) / 1e9;
        double steady = (now - firstAt) / 1e9;
        // All rows in the first observation (a tiny round): only the whole duration means anything.
        double rate = firstCount >= rows || steady <= 0 ? rows / seconds : (rows - firstCount) / steady;
        return new Timing(seconds, (firstAt - start) / 1e9, rate);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, null);
    }

    void create(String name, Map<String, String> config) throws Exception {
        StringBuilder json = new StringBuilder("{\"name\":\"" + name + "\",\"config\":{");
        String sep = "";
        for (Map.Entry<String, String> e : config.entrySet()) {
            json.append(sep).append('"').append(e.getKey()).append("\":\"")
                    .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            sep = ",";
        }
        json.append("}}");
        rest("POST", "/connectors", json.toString());
    }

    void delete(String name) throws Exception {
        rest("DELETE", "/connectors/" + name, null);
    }

    String rest(String method, String path, String body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(worker.url() + path.substring(1)))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " "
                        + response.body());
            }
            return response.body();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(10));
        }
        if (worker != null) {
            worker.close();
        }
    }
}
