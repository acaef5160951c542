package io.sluice.jdbc.source;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** validate.non.null and query.suffix on a real H2 database, through the querier a task runs. */
class SourceQueryOptionsTest {
    private static final AtomicInteger DB = new AtomicInteger();

    private String url;
    private HikariDataSource pool;

    @BeforeEach
    void open() {
        url = "jdbc:h2:mem:options" + DB.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
        pool = ConnectionPools.open(new JdbcConnectionConfig(url, null, null, 1, 0), "test", 2);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void aNullableIncrementingColumnIsRefusedUnlessValidateNonNullIsOff() throws SQLException {
        sql("CREATE TABLE loose (seq BIGINT, note VARCHAR(10))");
        sql("INSERT INTO loose VALUES (1, 'a'), (NULL, 'lost'), (2, 'b')");

        TableQuerier strict = querier("LOOSE", Map.of("mode", "incrementing", "incrementing.column.name", "seq"));
        assertThatThrownBy(() -> strict.poll(pool, System.currentTimeMillis()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("incrementing column SEQ on PUBLIC.LOOSE because this column is nullable")
                .hasMessageContaining("validate.non.null=false");

        TableQuerier lenient = querier("LOOSE", Map.of("mode", "incrementing", "incrementing.column.name", "seq",
                "validate.non.null", "false"));
        assertThat(lenient.poll(pool, System.currentTimeMillis())).extracting(SourceQueryOptionsTest::note)
                .containsExactly("a", "b");
    }

    @Test
    void timestampColumnsAreRefusedOnlyWhenAllOfThemAreNullable() throws SQLException {
        sql("CREATE TABLE stamps (id BIGINT NOT NULL, created TIMESTAMP, modified TIMESTAMP, note VARCHAR(10))");
        sql("INSERT INTO stamps VALUES (1, TIMESTAMP '2024-01-01 00:00:00', NULL, 'a')");
        Map<String, String> both = Map.of("mode", "timestamp+incrementing", "incrementing.column.name", "id",
                "timestamp.column.name", "modified,created");
        assertThatThrownBy(() -> querier("STAMPS", both).poll(pool, System.currentTimeMillis()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("timestamp columns [MODIFIED, CREATED] on PUBLIC.STAMPS because all of these "
                        + "columns are nullable");

        sql("ALTER TABLE stamps ALTER COLUMN created SET NOT NULL");
        assertThat(querier("STAMPS", both).poll(pool, System.currentTimeMillis()))
                .extracting(SourceQueryOptionsTest::note).containsExactly("a");
    }

    @Test
    void queryModeIsNotCheckedForNullableColumns() throws SQLException {
        sql("CREATE TABLE loose (seq BIGINT, note VARCHAR(10))");
        sql("INSERT INTO loose VALUES (1, 'a')");
        TableQuerier query = new TableQuerier(QuerySpec.forQuery(config(Map.of("mode", "incrementing",
                "incrementing.column.name", "seq", "query", "SELECT seq, note FROM loose")), "\""), null);
        assertThat(query.poll(pool, System.currentTimeMillis())).extracting(SourceQueryOptionsTest::note)
                .containsExactly("a");
    }

    @Test
    void querySuffixEndsEveryGeneratedQuery() throws SQLException {
        sql("CREATE TABLE items (id BIGINT PRIMARY KEY, note VARCHAR(10))");
        sql("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')");
        // After ORDER BY, as in Confluent's connector: each round reads the next two rows in id order.
        TableQuerier limited = querier("ITEMS", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "query.suffix", "LIMIT 2", "poll.interval.ms", "1", "batch.max.rows", "10"));
        assertThat(limited.poll(pool, 0)).extracting(SourceQueryOptionsTest::note).containsExactly("a", "b");
        assertThat(limited.poll(pool, 0)).extracting(SourceQueryOptionsTest::note).containsExactly("c", "d");
        assertThat(limited.poll(pool, 0)).extracting(SourceQueryOptionsTest::note).containsExactly("e");

        TableQuerier bulk = querier("ITEMS", Map.of("mode", "bulk", "query.suffix", "LIMIT 1"));
        assertThat(bulk.poll(pool, 0)).extracting(SourceQueryOptionsTest::note).containsExactly("a");

        TableQuerier broken = querier("ITEMS", Map.of("mode", "bulk", "query.suffix", "NOT SQL AT ALL"));
        assertThatThrownBy(() -> broken.poll(pool, 0)).isInstanceOf(SQLException.class);
    }

    private TableQuerier querier(String table, Map<String, String> extra) {
        return new TableQuerier(QuerySpec.forTable(config(extra), new TableId(null, "PUBLIC", table), "\""), null);
    }

    private JdbcSourceConfig config(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of("connection.url", url, "topic.prefix", "db-",
                "poll.interval.ms", "10"));
        props.putAll(extra);
        return new JdbcSourceConfig(props);
    }

    private static String note(SourceRecord record) {
        return ((Struct) record.value()).getString("NOTE");
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static List<String> notes(List<SourceRecord> records) {
        return records.stream().map(SourceQueryOptionsTest::note).toList();
    }
}
