package io.sluice.jdbc.source;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The no-lost-rows invariant on a real H2 database: batches end on whole timestamp groups, and a reader
 * restarted from the offset of <em>any</em> record it handed out re-reads everything after that record.
 */
class TableQuerierTest {
    private static final AtomicInteger DB = new AtomicInteger();
    private static final LocalDateTime BASE = LocalDateTime.of(2024, 3, 1, 12, 0);

    private String url;
    private HikariDataSource pool;

    @BeforeEach
    void createTable() throws SQLException {
        url = "jdbc:h2:mem:querier" + DB.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
        pool = ConnectionPools.open(new JdbcConnectionConfig(url, null, null, 1, 0), "test", 2);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id BIGINT PRIMARY KEY, updated TIMESTAMP NOT NULL, note VARCHAR(20))");
        }
        // Groups of 1, 5, 1, 3 and 4 rows sharing a timestamp; ids do not follow timestamp order within a group.
        int[] groupSizes = {1, 5, 1, 3, 4};
        int id = 100;
        for (int g = 0; g < groupSizes.length; g++) {
            for (int i = 0; i < groupSizes[g]; i++) {
                insert(id--, BASE.plusSeconds(g));
            }
        }
    }

    @AfterEach
    void close() {
        pool.close();
    }

    private void insert(long id, LocalDateTime updated) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?)")) {
            s.setLong(1, id);
            s.setObject(2, updated);
            s.setString(3, "row " + id);
            s.executeUpdate();
        }
    }

    private TableQuerier querier(String mode, Map<String, ?> offset) throws SQLException {
        return querier(mode, offset, Map.of());
    }

    private TableQuerier querier(String mode, Map<String, ?> offset, Map<String, String> extra) throws SQLException {
        Map<String, String> props = new HashMap<>(Map.of("connection.url", url, "mode", mode,
                "topic.prefix", "db-", "batch.max.rows", "2", "timestamp.column.name", "updated",
                "incrementing.column.name", "id", "poll.interval.ms", "10"));
        props.putAll(extra);
        JdbcSourceConfig config = new JdbcSourceConfig(props);
        String quote;
        try (Connection c = pool.getConnection()) {
            quote = Identifiers.quoteString(c.getMetaData(), true);
        }
        return new TableQuerier(QuerySpec.forTable(config, new TableId(null, "PUBLIC", "EVENTS"), quote), offset);
    }

    /** Every batch of one round. */
    private List<List<SourceRecord>> round(TableQuerier querier) throws SQLException {
        List<List<SourceRecord>> batches = new ArrayList<>();
        do {
            List<SourceRecord> batch = querier.poll(pool, System.currentTimeMillis());
            if (!batch.isEmpty()) {
                batches.add(batch);
            }
        } while (querier.phase() == TableQuerier.Phase.READING);
        return batches;
    }

    private static long id(SourceRecord record) {
        return ((Struct) record.value()).getInt64("ID");
    }

    private static LocalDateTime updated(SourceRecord record) {
        java.util.Date date = (java.util.Date) ((Struct) record.value()).get("UPDATED");
        return LocalDateTime.ofInstant(date.toInstant(), java.time.ZoneOffset.UTC);
    }

    @Test
    void timestampBatchesEndOnWholeGroupsEvenAboveBatchMaxRows() throws SQLException {
        List<List<SourceRecord>> batches = round(querier("timestamp", null));

        List<Integer> sizes = batches.stream().map(List::size).toList();
        // batch.max.rows=2: group 1 (1 row) + group 2 (5 rows) is one batch; then 1+3; then 4.
        assertThat(sizes).containsExactly(6, 4, 4);
        for (List<SourceRecord> batch : batches) {
            Set<LocalDateTime> before = new LinkedHashSet<>();
            batches.subList(0, batches.indexOf(batch)).forEach(b -> b.forEach(r -> before.add(updated(r))));
            assertThat(batch).noneMatch(r -> before.contains(updated(r)));
        }
        SourceRecord last = batches.get(2).get(3);
        assertThat(last.sourcePartition()).isEqualTo(Map.of("table", "EVENTS"));
        assertThat(Map.copyOf(last.sourceOffset())).isEqualTo(Map.of("timestamp",
                BASE.plusSeconds(4).toInstant(java.time.ZoneOffset.UTC).toEpochMilli(), "timestamp_nanos", 0L));
    }

    @Test
    void restartingFromAnyRecordsOffsetLosesNothingInEveryMode() throws SQLException {
        for (String mode : List.of("incrementing", "timestamp", "timestamp+incrementing")) {
            List<SourceRecord> all = new ArrayList<>();
            round(querier(mode, null)).forEach(all::addAll);
            assertThat(all).as(mode).hasSize(14);
            for (int k = 0; k < all.size(); k++) {
                Set<Long> seen = new LinkedHashSet<>();
                all.subList(0, k + 1).forEach(r -> seen.add(id(r)));
                List<SourceRecord> resumed = new ArrayList<>();
                round(querier(mode, all.get(k).sourceOffset())).forEach(resumed::addAll);
                resumed.forEach(r -> seen.add(id(r)));
                assertThat(seen).as("%s: stopped after record %d", mode, k).hasSize(14);
                if (!mode.equals("timestamp")) {
                    assertThat(resumed).as("%s resumes exactly after record %d", mode, k).hasSize(13 - k);
                }
            }
        }
    }

    @Test
    void aRowAddedLaterToTheLastGroupIsFoundWhenTheModeHasAnIncrementingColumn() throws SQLException {
        TableQuerier tsInc = querier("timestamp+incrementing", null);
        TableQuerier inc = querier("incrementing", null);
        round(tsInc);
        round(inc);
        insert(1000, BASE.plusSeconds(4));
        List<SourceRecord> next = new ArrayList<>();
        round(tsInc).forEach(next::addAll);
        assertThat(next).extracting(TableQuerierTest::id).containsExactly(1000L);
        next.clear();
        round(inc).forEach(next::addAll);
        assertThat(next).extracting(TableQuerierTest::id).containsExactly(1000L);
    }

    @Test
    void bulkReadsTheWholeTableEveryRound() throws SQLException {
        TableQuerier bulk = querier("bulk", null);
        List<SourceRecord> first = new ArrayList<>();
        round(bulk).forEach(first::addAll);
        assertThat(first).hasSize(14).allMatch(r -> r.sourceOffset() == null);
        List<SourceRecord> second = new ArrayList<>();
        round(bulk).forEach(second::addAll);
        assertThat(second).hasSize(14);
    }

    @Test
    void timestampInitialStartsAfterTheGivenTimeOrNowWithoutAStoredOffset() throws SQLException {
        long third = BASE.plusSeconds(2).toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        List<SourceRecord> fromThird = new ArrayList<>();
        round(querier("timestamp", null, Map.of("timestamp.initial", Long.toString(third)))).forEach(fromThird::addAll);
        assertThat(fromThird).extracting(TableQuerierTest::updated)
                .allMatch(t -> t.isAfter(BASE.plusSeconds(2))).hasSize(7);

        TableQuerier fromNow = querier("timestamp", null, Map.of("timestamp.initial", "-1"));
        assertThat(round(fromNow)).isEmpty();
        insert(2000, LocalDateTime.now(java.time.ZoneOffset.UTC).minusSeconds(1).plusNanos(0));
        assertThat(round(fromNow)).isEmpty();
        insert(2001, LocalDateTime.now(java.time.ZoneOffset.UTC).plusMinutes(10));
        assertThat(round(fromNow)).as("a future timestamp waits for its time").isEmpty();
    }

    @Test
    void tablesAreListedWithIncludeAndExcludeListsInAnyCase() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INT)");
            s.execute("CREATE SCHEMA other");
            s.execute("CREATE TABLE other.customers (id INT)");
            assertThat(lister(c, Map.of())).extracting(TableId::qualifiedName)
                    .containsExactly("OTHER.CUSTOMERS", "PUBLIC.EVENTS", "PUBLIC.ORDERS");
            assertThat(lister(c, Map.of("table.include.list", "orders, other.customers")))
                    .extracting(TableId::qualifiedName).containsExactly("OTHER.CUSTOMERS", "PUBLIC.ORDERS");
            assertThat(lister(c, Map.of("table.blacklist", "EVENTS"))).extracting(TableId::name)
                    .containsExactly("CUSTOMERS", "ORDERS");
            assertThat(lister(c, Map.of("schema.pattern", "OTHER"))).extracting(TableId::name)
                    .containsExactly("CUSTOMERS");
            // The same name in two schemas: each keeps its own topic and offsets.
            s.execute("CREATE TABLE other.orders (id INT)");
            assertThat(lister(c, Map.of())).extracting(TableId::key)
                    .containsExactly("CUSTOMERS", "OTHER.ORDERS", "EVENTS", "PUBLIC.ORDERS");
        }
        TableId odd = new TableId(null, "a/b", "x,y.z");
        assertThat(TableId.decode(odd.encode())).isEqualTo(odd);
        assertThat(TableId.decode(odd.withQualifiedKey().encode()).key()).isEqualTo("a/b.x,y.z");
        assertThat(odd.sql("\"")).isEqualTo("\"a/b\".\"x,y.z\"");
    }

    private List<TableId> lister(Connection c, Map<String, String> extra) throws SQLException {
        Map<String, String> props = new HashMap<>(Map.of("connection.url", url, "mode", "bulk", "topic.prefix", "p"));
        props.putAll(extra);
        return new TableLister(new JdbcSourceConfig(props)).list(c);
    }

    @Test
    void aTimestampWithTimeZoneColumnIsComparedAsAnInstantWhateverDbTimezoneSays() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE zoned (id INT PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("INSERT INTO zoned VALUES (1, TIMESTAMP WITH TIME ZONE '2024-01-01 10:00:00+05:00'), "
                    + "(2, TIMESTAMP WITH TIME ZONE '2024-01-01 06:00:00+00:00'), "
                    + "(3, TIMESTAMP WITH TIME ZONE '2024-01-01 07:00:00+01:00')");
        }
        Map<String, String> props = Map.of("connection.url", url, "mode", "timestamp", "topic.prefix", "z-",
                "timestamp.column.name", "at", "db.timezone", "Asia/Tokyo");
        QuerySpec spec = QuerySpec.forTable(new JdbcSourceConfig(props), new TableId(null, "PUBLIC", "ZONED"), "\"");
        List<SourceRecord> all = new ArrayList<>();
        round(new TableQuerier(spec, null)).forEach(all::addAll);
        // 05:00Z, then 06:00Z twice (one group).
        assertThat(all).extracting(r -> ((Struct) r.value()).getInt32("ID")).containsExactly(1, 2, 3);
        assertThat(all.get(2).sourceOffset().get("timestamp"))
                .isEqualTo(java.time.Instant.parse("2024-01-01T06:00:00Z").toEpochMilli());
        List<SourceRecord> again = new ArrayList<>();
        round(new TableQuerier(spec, all.get(0).sourceOffset())).forEach(again::addAll);
        assertThat(again).extracting(r -> ((Struct) r.value()).getInt32("ID")).containsExactlyInAnyOrder(2, 3);
    }
}
