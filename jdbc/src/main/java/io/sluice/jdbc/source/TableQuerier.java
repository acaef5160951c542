package io.sluice.jdbc.source;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one table (or the configured query) in rounds: a round runs one query for the rows after the stored
 * offset and hands them out {@code batch.max.rows} at a time, keeping the result set open between polls; when
 * it is exhausted the next round waits {@code poll.interval.ms}.
 *
 * <p>Invariant, for no lost rows: every record carries an offset from which a restart re-reads nothing it has
 * not yet handed out. In the timestamp modes a batch ends only where the timestamp changes (a group is never
 * split across batches, however large), and in {@code timestamp} mode only the last row of a group carries
 * that group's timestamp — the others carry the previous group's, so stopping anywhere re-reads the whole group
 * rather than skipping its tail. Timestamps at or after "database now − timestamp.delay.interval.ms" wait for a
 * later round, so a group is complete when read unless a row is written later with an older timestamp.
 */
final class TableQuerier {
    private static final Logger log = LoggerFactory.getLogger(TableQuerier.class);

    enum Phase { IDLE, READING }

    /** A row read but not yet handed out. */
    private record Row(Struct value, Instant timestamp, Long incrementing) {
    }

    private final QuerySpec spec;
    private final Map<String, String> partition;
    private SourceOffset offset;
    private Phase phase = Phase.IDLE;
    private long nextRoundMs;
    private boolean databaseClock = true;

    private ColumnResolver.Resolved incrementingColumn;
    private List<ColumnResolver.Resolved> timestampColumns;
    private Connection connection;
    private PreparedStatement statement;
    private ResultSet resultSet;
    private SchemaMapping mapping;
    private Row lookahead;

    TableQuerier(QuerySpec spec, Map<String, ?> storedOffset) {
        this.spec = spec;
        this.partition = spec.partition();
        this.offset = SourceOffset.fromMap(storedOffset);
    }

    Map<String, String> partition() {
        return partition;
    }

    Phase phase() {
        return phase;
    }

    /** When this querier wants to run next: now while a round is open, else after its poll interval. */
    long nextRunMs() {
        return phase == Phase.READING ? 0 : nextRoundMs;
    }

    /**
     * The next batch; starts a round when none is open and ends it when the result set runs out (the batch may
     * then be empty). On an SQL error the round is abandoned and retried after the poll interval.
     */
    List<SourceRecord> poll(DataSource dataSource, long nowMs) throws SQLException {
        boolean exhausted = true;
        try {
            if (phase == Phase.IDLE) {
                startRound(dataSource);
            }
            List<SourceRecord> batch = new ArrayList<>();
            exhausted = spec.mode().usesTimestamp() ? readGroups(batch) : readRows(batch);
            return batch;
        } finally {
            if (exhausted) {
                endRound(nowMs);
            }
        }
    }

    private void startRound(DataSource dataSource) throws SQLException {
        connection = dataSource.getConnection();
        phase = Phase.READING;
        if (incrementingColumn == null && timestampColumns == null) {
            ColumnResolver columns = ColumnResolver.probe(connection, spec.fromClause(), spec.description());
            if (spec.mode().usesIncrementing()) {
                incrementingColumn = columns.resolve(JdbcSourceConfig.INCREMENTING_COLUMN_NAME,
                        spec.incrementingColumn());
            }
            timestampColumns = new ArrayList<>();
            for (String column : spec.timestampColumns()) {
                timestampColumns.add(columns.resolve(JdbcSourceConfig.TIMESTAMP_COLUMN_NAME, column));
            }
            try {
                spec.checkNonNull(incrementingColumn, timestampColumns);
            } catch (RuntimeException e) {
                // Checked again should the task be retried after the table is fixed.
                incrementingColumn = null;
                timestampColumns = null;
                throw e;
            }
        }
        // PostgreSQL streams a result set only inside a transaction; otherwise it reads all rows into memory.
        connection.setAutoCommit(false);
        connection.setReadOnly(true);
        Instant upperBound = null;
        if (spec.mode().usesTimestamp()) {
            Instant now = databaseNow();
            upperBound = now.minusMillis(spec.delayMs());
            if (offset.timestamp() == null && spec.timestampInitial() != null) {
                // Pinned once, so rows written between two empty rounds are not skipped by a moving start.
                offset = new SourceOffset(spec.timestampInitial() == JdbcSourceConfig.TIMESTAMP_INITIAL_CURRENT
                        ? now : Instant.ofEpochMilli(spec.timestampInitial()), offset.incrementing());
            }
        }
        statement = connection.prepareStatement(spec.sql(incrementingColumn, timestampColumns));
        statement.setFetchSize(spec.batchMaxRows());
        bind(upperBound);
        resultSet = statement.executeQuery();
        mapping = SchemaMapping.of(spec.schemaName(), resultSet.getMetaData(), spec.numericMapping(), spec.zone());
        log.debug("Reading {} after {}", spec.description(), offset);
    }

    private void bind(Instant upperBound) throws SQLException {
        int i = 1;
        switch (spec.mode()) {
            case BULK -> {
            }
            case INCREMENTING -> statement.setLong(i, offset.incrementingOrStart());
            case TIMESTAMP -> {
                setTimestamp(i++, offset.timestampOrStart());
                setTimestamp(i, upperBound);
            }
            case TIMESTAMP_INCREMENTING -> {
                setTimestamp(i++, upperBound);
                setTimestamp(i++, offset.timestampOrStart());
                statement.setLong(i++, offset.incrementingOrStart());
                setTimestamp(i, offset.timestampOrStart());
            }
        }
    }

    /** Binds with the type of the (first) timestamp column, so no database has to guess a time zone. */
    private void setTimestamp(int index, Instant value) throws SQLException {
        if (timestampColumns.get(0).withZone()) {
            statement.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
        } else {
            statement.setObject(index, value.atZone(spec.zone()).toLocalDateTime());
        }
    }

    /**
     * The database's clock, not the worker's, decides which timestamps are old enough to read: rows are stamped
     * by the database. A database that cannot answer {@code SELECT CURRENT_TIMESTAMP} (Oracle wants FROM DUAL)
     * falls back to the worker's clock, with a warning.
     */
    private Instant databaseNow() throws SQLException {
        if (!databaseClock) {
            return Instant.now();
        }
        try (Statement now = connection.createStatement();
             ResultSet rs = now.executeQuery("SELECT CURRENT_TIMESTAMP")) {
            rs.next();
            try {
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            } catch (SQLException e) {
                // A CURRENT_TIMESTAMP without a zone (MySQL's DATETIME) is in the session's zone, the JVM's here.
                return rs.getTimestamp(1).toInstant();
            }
        } catch (SQLException e) {
            log.warn("Cannot read the database's clock ({}); using the worker's for {}", e.getMessage(),
                    spec.description());
            databaseClock = false;
            connection.rollback();
            return Instant.now();
        }
    }

    /** Incrementing and bulk modes: each row's offset is exact, so any batch size is safe. */
    private boolean readRows(List<SourceRecord> batch) throws SQLException {
        while (batch.size() < spec.batchMaxRows()) {
            Row row = nextRow();
            if (row == null) {
                return true;
            }
            if (spec.mode() == Mode.BULK) {
                batch.add(record(row, null));
            } else {
                offset = new SourceOffset(null, row.incrementing());
                batch.add(record(row, offset.toMap()));
            }
        }
        return false;
    }

    /** Timestamp modes: whole timestamp groups until the batch is full; see the class comment. */
    private boolean readGroups(List<SourceRecord> batch) throws SQLException {
        List<Row> group = new ArrayList<>();
        while (true) {
            Row row = nextRow();
            if (row == null) {
                emitGroup(group, batch);
                return true;
            }
            if (!group.isEmpty() && !group.get(0).timestamp().equals(row.timestamp())) {
                emitGroup(group, batch);
                group.clear();
                if (batch.size() >= spec.batchMaxRows()) {
                    lookahead = row;
                    return false;
                }
            }
            group.add(row);
        }
    }

    private void emitGroup(List<Row> group, List<SourceRecord> batch) {
        for (int i = 0; i < group.size(); i++) {
            Row row = group.get(i);
            if (spec.mode() == Mode.TIMESTAMP_INCREMENTING) {
                offset = new SourceOffset(row.timestamp(), row.incrementing());
            } else if (i == group.size() - 1) {
                offset = new SourceOffset(row.timestamp(), null);
            }
            batch.add(record(row, offset.toMap()));
        }
    }

    private SourceRecord record(Row row, Map<String, ?> sourceOffset) {
        return new SourceRecord(partition, sourceOffset, spec.topic(), null, null, null, row.value().schema(),
                row.value());
    }

    private Row nextRow() throws SQLException {
        if (lookahead != null) {
            Row row = lookahead;
            lookahead = null;
            return row;
        }
        if (!resultSet.next()) {
            return null;
        }
        Struct value = mapping.toStruct(resultSet);
        Long incrementing = null;
        if (incrementingColumn != null) {
            incrementing = resultSet.getLong(incrementingColumn.label());
        }
        Instant timestamp = null;
        for (ColumnResolver.Resolved column : timestampColumns) {
            timestamp = SchemaMapping.instant(resultSet, resultSet.findColumn(column.label()), column.withZone(),
                    spec.zone());
            if (timestamp != null) {
                break;
            }
        }
        return new Row(value, timestamp, incrementing);
    }

    private void endRound(long nowMs) {
        close();
        nextRoundMs = nowMs + spec.pollIntervalMs();
    }

    /** Closes an open round; rows not handed out are read again by the next round. */
    void close() {
        lookahead = null;
        closeQuietly(resultSet);
        closeQuietly(statement);
        if (connection != null) {
            try {
                connection.rollback();
                connection.setReadOnly(false);
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                log.debug("Resetting connection after reading {}: {}", spec.description(), e.toString());
            }
            closeQuietly(connection);
        }
        resultSet = null;
        statement = null;
        connection = null;
        mapping = null;
        phase = Phase.IDLE;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("Closing {}: {}", closeable, e.toString());
            }
        }
    }
}
