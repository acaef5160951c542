package io.sluice.jdbc.sink;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import io.sluice.jdbc.dialect.Dialect;
import io.sluice.jdbc.dialect.Dialects;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes each {@code put}'s records in one database transaction. With {@code exactly.once=true} the same
 * transaction stores the next offset of every partition written ({@link SinkOffsetsTable}); {@code open} seeks to
 * the stored offsets and {@code put} drops records below them, so a crash at any moment neither loses nor repeats a
 * row. A record that does not fit its table goes to the errant record reporter when {@code errors.tolerance=all},
 * and fails the task, naming it, otherwise. Errors the database may get over (lost connection, deadlock) are
 * retried {@code max.retries} times, {@code retry.backoff.ms} apart, by asking the worker to redeliver the batch.
 */
public final class JdbcSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(JdbcSinkTask.class);
    private static final long REPORT_TIMEOUT_MS = 30_000;

    private JdbcSinkConfig config;
    private Dialect dialect;
    private HikariDataSource pool;
    private RowMapper mapper;
    private TableManager tables;
    private BatchWriter writer;
    private SinkOffsetsTable offsetsTable;
    /** Exactly-once: each open partition's offset as stored in the database (absent: no row yet). */
    private final Map<TopicPartition, Long> stored = new ConcurrentHashMap<>();
    private int retriesLeft;

    @Override
    public String version() {
        return JdbcSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new JdbcSinkConfig(props);
        JdbcConnectionConfig connection = JdbcConnectionConfig.from(config);
        dialect = Dialects.forUrl(connection.url(), config.getString(JdbcSinkConfig.DIALECT_NAME),
                "always".equals(config.getString(JdbcSinkConfig.QUOTE_SQL_IDENTIFIERS)));
        String name = props.getOrDefault("name", "jdbc-sink");
        // Two connections: the data's transaction, and DDL that must not run inside it.
        pool = ConnectionPools.open(connection, "sluice-jdbc-sink-" + name, 2);
        awaitDatabase(connection);
        mapper = new RowMapper(config);
        tables = new TableManager(dialect, config.getBoolean(JdbcSinkConfig.AUTO_CREATE),
                config.getBoolean(JdbcSinkConfig.AUTO_EVOLVE));
        writer = new BatchWriter(dialect, config.getInt(JdbcSinkConfig.BATCH_SIZE),
                Calendar.getInstance(config.timeZone));
        if (config.exactlyOnce) {
            offsetsTable = new SinkOffsetsTable(dialect, config.getString(JdbcSinkConfig.OFFSETS_TABLE), name);
        }
        retriesLeft = config.getInt(JdbcSinkConfig.MAX_RETRIES);
        log.info("JDBC sink task for {} started: dialect {}, insert.mode={}, pk.mode={}, exactly.once={}",
                ConnectionPools.redact(connection.url()), dialect, config.insertMode, config.pkMode,
                config.exactlyOnce);
    }

    /** Fails the start, after connection.attempts, when the database cannot be reached at all. */
    private void awaitDatabase(JdbcConnectionConfig connection) {
        try (Connection ignored = ConnectionPools.firstConnection(pool, connection)) {
            log.debug("Connected to {}", ConnectionPools.redact(connection.url()));
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e instanceof ConnectException ce ? ce : new ConnectException(e.getMessage(), e);
        } catch (InterruptedException e) {
            pool.close();
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while connecting to the database", e);
        }
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        if (offsetsTable == null || partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> found;
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(true);
            offsetsTable.ensureExists(connection);
            found = offsetsTable.read(connection, partitions);
        } catch (SQLException e) {
            throw new ConnectException("Cannot read the stored offsets of " + partitions + " from "
                    + config.getString(JdbcSinkConfig.OFFSETS_TABLE) + ": " + e.getMessage(), e);
        }
        Map<TopicPartition, Long> seeks = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long offset = found.get(tp);
            if (offset != null) {
                stored.put(tp, offset);
            } else {
                stored.remove(tp);
            }
            // No row: nothing of this partition is in the database, whatever the consumer group committed.
            seeks.put(tp, offset != null ? offset : 0L);
        }
        context.offset(seeks);
        log.info("Resuming from the database's offsets {}", seeks);
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(stored::remove);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<Row> rows = new ArrayList<>(records.size());
        List<BadRecordException> bad = new ArrayList<>();
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            Long from = stored.get(tp);
            if (from != null && record.originalKafkaOffset() < from) {
                continue; // already in the database: redelivered after a restart or a retried batch
            }
            next.merge(tp, record.originalKafkaOffset() + 1, Math::max);
            try {
                rows.add(mapper.map(record));
            } catch (BadRecordException e) {
                bad.add(e);
            }
        }
        if (next.isEmpty()) {
            return;
        }
        try {
            rows = prepareTables(rows, bad);
            handleBad(bad);
            commit(rows, next);
            retriesLeft = config.getInt(JdbcSinkConfig.MAX_RETRIES);
        } catch (SQLException e) {
            tables.forget();
            retryOrFail(e, records.size());
        } catch (SinkOffsetsTable.FencedException e) {
            reloadOffsets(next.keySet());
            throw new RetriableException("Exactly-once sink fenced: " + e.getMessage() + "; resuming from the "
                    + "database's offsets");
        }
    }

    /** Runs the DDL the rows need; rows whose table cannot take them move to {@code bad}. */
    private List<Row> prepareTables(List<Row> rows, List<BadRecordException> bad) throws SQLException {
        Map<RowShape, List<Row>> byShape = new LinkedHashMap<>();
        rows.forEach(row -> byShape.computeIfAbsent(row.shape(), s -> new ArrayList<>()).add(row));
        List<Row> writable = new ArrayList<>(rows.size());
        Map<RowShape, Boolean> write = new HashMap<>();
        try (Connection ddl = pool.getConnection()) {
            ddl.setAutoCommit(true);
            for (Map.Entry<RowShape, List<Row>> entry : byShape.entrySet()) {
                try {
                    write.put(entry.getKey(), tables.ensure(ddl, entry.getKey(), entry.getValue()));
                } catch (TableManager.Misfit e) {
                    write.put(entry.getKey(), false);
                    entry.getValue().forEach(row -> bad.add(new BadRecordException(row.record(), e.getMessage())));
                }
            }
        }
        for (Row row : rows) {
            if (write.get(row.shape())) {
                writable.add(row);
            }
        }
        return writable;
    }

    /** Reports bad records (waiting until the reporter has them) or fails the task on the first. */
    private void handleBad(List<BadRecordException> bad) {
        if (bad.isEmpty()) {
            return;
        }
        bad.sort((a, b) -> Long.compare(a.record().kafkaOffset(), b.record().kafkaOffset()));
        if (!config.toleratesErrors()) {
            BadRecordException first = bad.get(0);
            throw new ConnectException("JDBC sink cannot write " + first.getMessage(), first);
        }
        ErrantRecordReporter reporter = errantRecordReporter();
        if (reporter == null) {
            throw new ConnectException("errors.tolerance=all, but this worker offers no errant record reporter "
                    + "(dead letter queue) to send bad records to; failing on " + bad.get(0).getMessage(), bad.get(0));
        }
        List<Future<Void>> reported = new ArrayList<>();
        for (BadRecordException e : bad) {
            log.warn("Reporting bad {}", e.getMessage());
            reported.add(reporter.report(e.record(), e));
        }
        for (Future<Void> future : reported) {
            try {
                future.get(REPORT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new ConnectException("Could not report a bad record to the errant record reporter: " + e, e);
            }
        }
    }

    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a runtime older than Kafka 2.6
        }
    }

    /** Writes the rows (and, exactly-once, the offsets) in one transaction. */
    private void commit(List<Row> rows, Map<TopicPartition, Long> next)
            throws SQLException, SinkOffsetsTable.FencedException {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try {
                    writer.write(connection, rows);
                } catch (SQLException e) {
                    if (isTransient(e)) {
                        throw e;
                    }
                    connection.rollback();
                    writeOneByOne(connection, rows, e);
                }
                if (offsetsTable != null) {
                    offsetsTable.write(connection, next, stored);
                }
                connection.commit();
            } catch (SQLException | SinkOffsetsTable.FencedException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        }
        if (offsetsTable != null) {
            stored.putAll(next);
        }
    }

    /**
     * The batch failed on something a retry will not fix: writes row by row, each under a savepoint, to find the
     * rows the database refuses; they are bad records (reported, or the task fails naming the first).
     */
    private void writeOneByOne(Connection connection, List<Row> rows, SQLException batchFailure) throws SQLException {
        List<BadRecordException> refused = new ArrayList<>();
        for (Row row : rows) {
            Savepoint savepoint = connection.setSavepoint();
            try {
                writer.writeOne(connection, row);
                connection.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (isTransient(e)) {
                    throw e;
                }
                connection.rollback(savepoint);
                refused.add(new BadRecordException(row.record(), "the database refused it: " + rootMessage(e), e));
                if (!config.toleratesErrors()) {
                    break;
                }
            }
        }
        if (refused.isEmpty()) {
            throw batchFailure; // the batch failed but no row alone does: let the retry policy decide
        }
        handleBad(refused);
    }

    private void retryOrFail(SQLException e, int size) {
        if (isTransient(e) && retriesLeft > 0) {
            retriesLeft--;
            long backoff = config.getInt(JdbcSinkConfig.RETRY_BACKOFF_MS);
            log.warn("Writing {} record(s) failed ({}); retrying in {} ms, {} retries left", size, rootMessage(e),
                    backoff, retriesLeft);
            context.timeout(backoff);
            throw new RetriableException(e);
        }
        throw new ConnectException("JDBC sink failed to write " + size + " record(s) to "
                + ConnectionPools.redact(config.getString(JdbcConnectionConfig.CONNECTION_URL)) + ": " + rootMessage(e)
                + (isTransient(e) ? " (after " + config.getInt(JdbcSinkConfig.MAX_RETRIES) + " retries)" : ""), e);
    }

    /** Whether trying again may help: lost connections, deadlocks, serialization failures, resource limits. */
    static boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true;
        }
        String state = e.getSQLState();
        if (state == null) {
            return e.getNextException() != null && isTransient(e.getNextException());
        }
        return state.startsWith("08") || state.startsWith("40") || state.startsWith("53") || state.startsWith("57")
                || state.startsWith("58") || state.startsWith("HY") && state.equals("HYT00");
    }

    private static String rootMessage(SQLException e) {
        SQLException next = e.getNextException();
        return next != null && next != e ? e.getMessage() + " / " + next.getMessage() : e.getMessage();
    }

    private void reloadOffsets(Collection<TopicPartition> partitions) {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(true);
            Map<TopicPartition, Long> found = offsetsTable.read(connection, partitions);
            for (TopicPartition tp : partitions) {
                Long offset = found.get(tp);
                if (offset != null) {
                    stored.put(tp, offset);
                    context.offset(tp, offset);
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot re-read the stored offsets: " + e.getMessage(), e);
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.debug("Rollback failed (the connection is likely gone)", e);
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (offsetsTable == null) {
            return currentOffsets; // put writes synchronously: everything offered is in the database
        }
        // The group's offsets only mirror the database's, for monitoring: on open the task seeks to the database's.
        Map<TopicPartition, OffsetAndMetadata> safe = new HashMap<>();
        currentOffsets.keySet().forEach(tp -> {
            Long offset = stored.get(tp);
            if (offset != null) {
                safe.put(tp, new OffsetAndMetadata(offset));
            }
        });
        return safe;
    }

    @Override
    public void stop() {
        if (pool != null) {
            pool.close();
        }
    }
}
