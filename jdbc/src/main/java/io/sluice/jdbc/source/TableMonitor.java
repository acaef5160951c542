package io.sluice.jdbc.source;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the connector's table list current: lists the tables when the connector starts (failing the start if
 * the database cannot be reached), then every {@code table.poll.interval.ms}, and calls {@code onChange} when
 * tables appear or disappear so the runtime asks for new task configs.
 */
final class TableMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TableMonitor.class);

    private final TableLister lister;
    private final Runnable onChange;
    private final long intervalMs;
    private final JdbcConnectionConfig connection;
    private final HikariDataSource pool;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "jdbc-source-table-monitor");
        thread.setDaemon(true);
        return thread;
    });
    private volatile List<TableId> tables = List.of();

    TableMonitor(JdbcSourceConfig config, Runnable onChange) {
        this.lister = new TableLister(config);
        this.onChange = onChange;
        this.intervalMs = config.getLong(JdbcSourceConfig.TABLE_POLL_INTERVAL_MS);
        this.connection = JdbcConnectionConfig.from(config);
        this.pool = ConnectionPools.open(connection, "jdbc-source-tables", 1);
    }

    void start() {
        try (Connection first = ConnectionPools.firstConnection(pool, connection)) {
            tables = lister.list(first);
        } catch (SQLException e) {
            close();
            throw new ConnectException("Cannot list the tables to copy: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while connecting to the database", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("JDBC source copies {} table(s): {}", tables.size(), tables);
        timer.scheduleWithFixedDelay(this::refresh, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    List<TableId> tables() {
        return tables;
    }

    private void refresh() {
        try {
            List<TableId> now = list();
            if (!now.equals(tables)) {
                log.info("Tables to copy changed from {} to {}; reconfiguring tasks", tables, now);
                tables = now;
                onChange.run();
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("Cannot list tables; keeping the current list {}: {}", tables, e.toString());
        }
    }

    private List<TableId> list() throws SQLException {
        try (Connection connection = pool.getConnection()) {
            return lister.list(connection);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pool.close();
    }
}
