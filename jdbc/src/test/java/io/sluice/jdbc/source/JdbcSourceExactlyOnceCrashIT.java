package io.sluice.jdbc.source;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JDBC source in timestamp mode on a worker with {@code exactly.once.source.support=enabled}, SIGKILLed three
 * times while rows keep arriving in groups larger than batch.max.rows: the topic, read read_committed, holds every
 * row exactly once — each poll's whole timestamp groups and their offset commit in one Kafka transaction, so a
 * restart neither skips nor repeats a row (without exactly-once a re-read group would repeat).
 */
class JdbcSourceExactlyOnceCrashIT {
    private static final int GROUP = 7;
    private static final int KILLS = 3;
    private static final int BURST = 80;
    private String topic;
    private String user;
    private String idField;
    private static final LocalDateTime BASE = LocalDateTime.of(2024, 5, 1, 0, 0);
    private static final Pattern READY = Pattern.compile("Sluice Connect \\(standalone\\) ready");

    @TempDir
    Path dir;

    /** The database's JDBC URL, reachable from a child JVM too. */
    String url() {
        // AUTO_SERVER: this test process holds the database open and serves it to the child worker over TCP.
        return "jdbc:h2:file:" + dir.resolve("eos") + ";AUTO_SERVER=TRUE";
    }

    /** The connection user, or null. */
    String user() {
        return null;
    }

    /** An unquoted identifier as the database stores it (H2 upper-cases). */
    String id(String name) {
        return name.toUpperCase(java.util.Locale.ROOT);
    }

    @Test
    void everyRowOnceAfterThreeSigkillsWhileRowsArrive() throws Exception {
        String url = url();
        user = user();
        topic = "eos-" + id("events");
        idField = id("id");
        try (TestBroker broker = TestBroker.start();
             Connection keeper = DriverManager.getConnection(url, user, null)) {
            try (Statement s = keeper.createStatement()) {
                s.execute("CREATE TABLE events (id INT PRIMARY KEY, updated TIMESTAMP NOT NULL, "
                        + "payload VARCHAR(200))");
            }
            broker.createTopic(topic, 1, Map.of());
            Path worker = dir.resolve("worker.properties");
            Files.writeString(worker, String.join("\n", "bootstrap.servers=" + broker.bootstrap(),
                    "listeners=http://127.0.0.1:0", "offset.storage.file.filename=" + dir.resolve("offsets"),
                    "exactly.once.source.support=enabled", "offset.storage.partitions=1",
                    "key.converter=" + JsonConverter.class.getName(),
                    "value.converter=" + JsonConverter.class.getName()));
            Path connector = dir.resolve("jdbc.properties");
            List<String> settings = new ArrayList<>(List.of("name=eos", "connector.class=JdbcSourceConnector",
                    "connection.url=" + url, "mode=timestamp", "timestamp.column.name=updated", "topic.prefix=eos-",
                    "batch.max.rows=5", "poll.interval.ms=50", "exactly.once.support=required"));
            if (user != null) {
                settings.add("connection.user=" + user);
            }
            Files.writeString(connector, String.join("\n", settings));
            insertGroups(keeper, 0, 20);
            AtomicInteger groups = new AtomicInteger(20);
            List<Integer> killedAt = new ArrayList<>();
            try (ChildJvm child = new ChildJvm(dir.resolve("worker.log"), "256m", ConnectWorkerMain.class.getName(),
                    List.of("standalone", worker.toString(), connector.toString()))) {
                long t0 = System.nanoTime();
                child.start();
                child.awaitLine(READY, 90_000);
                System.out.printf("worker ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);
                for (int kill = 1; kill <= KILLS; kill++) {
                    // A burst of rows, a group per transaction; the kill lands once the worker is reading it.
                    int before = readCommitted(broker).size();
                    Thread writer = writer(url, groups, BURST);
                    killedAt.add(awaitRows(broker, before + 50, 60_000));
                    child.kill();
                    System.out.printf("kill %d at %.1f s%n", kill, (System.nanoTime() - t0) / 1e9);
                    writer.join(60_000);
                    child.start();
                    child.awaitLine(READY, 90_000);
                    System.out.printf("worker ready again at %.1f s%n", (System.nanoTime() - t0) / 1e9);
                }
                Thread last = writer(url, groups, 20);
                last.join(60_000);
                int written = groups.get() * GROUP;
                awaitRows(broker, written, 90_000);
                List<Integer> ids = readCommitted(broker);
                assertThat(ids).as("rows on the topic").hasSize(written);
                assertThat(new HashSet<>(ids)).as("distinct rows on the topic").hasSize(written);
                System.out.println("Killed the worker at " + killedAt + " rows on the topic; " + written
                        + " rows written, each read exactly once");
            }
        }
    }

    /** Starts a thread inserting {@code count} more groups, a little apart. */
    private Thread writer(String url, AtomicInteger groups, int count) {
        Thread writer = new Thread(() -> {
            try (Connection connection = DriverManager.getConnection(url, user, null)) {
                for (int i = 0; i < count; i++) {
                    insertGroups(connection, groups.get(), 1);
                    groups.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "row-writer");
        writer.start();
        return writer;
    }

    /** Groups {@code first}.. of GROUP rows each, a group per transaction, timestamps a second apart. */
    private static void insertGroups(Connection connection, int first, int groups) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO events VALUES (?, ?, ?)")) {
            for (int g = first; g < first + groups; g++) {
                for (int i = 0; i < GROUP; i++) {
                    insert.setInt(1, g * GROUP + i);
                    insert.setObject(2, BASE.plusSeconds(g));
                    insert.setString(3, "x".repeat(150));
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
            }
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Waits until the committed topic holds at least {@code rows} records; returns how many it holds. */
    private int awaitRows(TestBroker broker, int rows, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        int seen = readCommitted(broker).size();
        while (seen < rows && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            seen = readCommitted(broker).size();
        }
        assertThat(seen).as("committed records on " + topic).isGreaterThanOrEqualTo(rows);
        return seen;
    }

    /** The ids of every committed record on the topic, in order. */
    private List<Integer> readCommitted(TestBroker broker) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        List<Integer> ids = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            // read_committed: the end is the last stable offset; markers and aborted records are not returned.
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
            long deadline = System.currentTimeMillis() + 10_000;
            while (consumer.position(partition) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    ids.add(((Struct) converter.toConnectData(topic, record.value()).value()).getInt32(idField));
                }
            }
        }
        return ids;
    }
}
