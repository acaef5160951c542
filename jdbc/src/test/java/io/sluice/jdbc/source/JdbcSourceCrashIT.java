package io.sluice.jdbc.source;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker running the JDBC source in timestamp mode, SIGKILLed half way through a table whose rows come in
 * groups larger than batch.max.rows, then restarted: every row reaches the topic (at-least-once without the
 * runtime's exactly-once support, so repeats are allowed; losses are not).
 */
class JdbcSourceCrashIT {
    private static final int GROUP = 7;
    private static final int GROUPS = 400;
    private static final LocalDateTime BASE = LocalDateTime.of(2024, 5, 1, 0, 0);

    @TempDir
    Path dir;

    @Test
    void aWorkerKilledMidTableResumesWithoutLosingARow() throws Exception {
        // AUTO_SERVER: this test process holds the database open and serves it to the child worker over TCP.
        String url = "jdbc:h2:file:" + dir.resolve("crash") + ";AUTO_SERVER=TRUE";
        try (TestBroker broker = TestBroker.start();
             Connection keeper = DriverManager.getConnection(url)) {
            try (Statement s = keeper.createStatement()) {
                s.execute("CREATE TABLE events (id INT PRIMARY KEY, updated TIMESTAMP NOT NULL, "
                        + "payload VARCHAR(200))");
            }
            broker.createTopic("crash-EVENTS", 1, Map.of());
            Path worker = dir.resolve("worker.properties");
            Files.writeString(worker, String.join("\n", "bootstrap.servers=" + broker.bootstrap(),
                    "listeners=http://127.0.0.1:0", "offset.storage.file.filename=" + dir.resolve("offsets"),
                    "offset.flush.interval.ms=50", "key.converter=" + JsonConverter.class.getName(),
                    "value.converter=" + JsonConverter.class.getName()));
            Path connector = dir.resolve("jdbc.properties");
            Files.writeString(connector, String.join("\n", "name=crash", "connector.class=JdbcSourceConnector",
                    "connection.url=" + url, "mode=timestamp", "timestamp.column.name=updated",
                    "topic.prefix=crash-", "batch.max.rows=5", "poll.interval.ms=50"));
            insertGroups(keeper, 0, 50);
            try (ChildJvm child = new ChildJvm(dir.resolve("worker.log"), "256m", ConnectWorkerMain.class.getName(),
                    List.of("standalone", worker.toString(), connector.toString()))) {
                child.start();
                child.awaitLine(Pattern.compile("Sluice Connect \\(standalone\\) ready"), 90_000);
                // Rows keep arriving while the worker reads, so the kill lands in the middle of the stream.
                Thread writer = new Thread(() -> {
                    try (Connection connection = DriverManager.getConnection(url)) {
                        for (int g = 50; g < GROUPS; g++) {
                            insertGroups(connection, g, 1);
                            Thread.sleep(20);
                        }
                    } catch (SQLException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, "row-writer");
                writer.start();
                int before = awaitCount(broker, 100 * GROUP, 60_000).size();
                child.kill();
                assertThat(before).as("killed before the last row was read").isLessThan(GROUPS * GROUP);
                child.start();
                child.awaitLine(Pattern.compile("Sluice Connect \\(standalone\\) ready"), 90_000);
                writer.join(120_000);
                Set<Integer> ids = awaitCount(broker, GROUPS * GROUP, 90_000);
                assertThat(ids).hasSize(GROUPS * GROUP);
                System.out.println("Killed the worker with " + before + " of " + GROUPS * GROUP
                        + " rows on the topic; all arrived after its restart");
            }
        }
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

    /** Reads the topic until at least {@code distinct} different ids have arrived; returns them. */
    private static Set<Integer> awaitCount(TestBroker broker, int distinct, long timeoutMs) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        Set<Integer> ids = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null, Map.of())) {
            TopicPartition partition = new TopicPartition("crash-EVENTS", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (ids.size() < distinct && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    ids.add(((Struct) converter.toConnectData("crash-EVENTS", record.value()).value()).getInt32("ID"));
                }
            }
        }
        assertThat(ids).as("distinct ids on the topic").hasSizeGreaterThanOrEqualTo(distinct);
        return ids;
    }
}
