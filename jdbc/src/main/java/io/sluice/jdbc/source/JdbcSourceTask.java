package io.sluice.jdbc.source;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads its share of the tables (or the query) with a HikariCP pool of its own. Each poll serves the querier
 * whose turn is next; one whose round is open keeps the turn until its result set is exhausted, as in Confluent's
 * connector. When no querier is due, poll waits (at most a second, so pause and stop are seen) and returns null.
 */
public class JdbcSourceTask extends SourceTask {
    private static final Logger log = LoggerFactory.getLogger(JdbcSourceTask.class);
    private static final long MAX_IDLE_WAIT_MS = 1000;

    private final Object wakeUp = new Object();
    private final List<TableQuerier> queriers = new ArrayList<>();
    private HikariDataSource pool;
    private volatile boolean stopping;

    @Override
    public String version() {
        return JdbcSourceConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        JdbcSourceTaskConfig config = new JdbcSourceTaskConfig(props);
        JdbcConnectionConfig connectionConfig = JdbcConnectionConfig.from(config);
        pool = ConnectionPools.open(connectionConfig, "jdbc-source-" + props.getOrDefault("task.id",
                Integer.toHexString(System.identityHashCode(this))), 2);
        String quote;
        try (Connection connection = ConnectionPools.firstConnection(pool, connectionConfig)) {
            quote = Identifiers.quoteString(connection.getMetaData(), config.quoteIdentifiers());
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e instanceof ConnectException ce ? ce : new ConnectException("Cannot read the metadata of "
                    + ConnectionPools.redact(connectionConfig.url()) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            pool.close();
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while connecting to the database", e);
        }
        List<QuerySpec> specs = new ArrayList<>();
        if (config.query() != null) {
            specs.add(QuerySpec.forQuery(config, quote));
        } else {
            for (TableId table : config.tables()) {
                specs.add(QuerySpec.forTable(config, table, quote));
            }
        }
        List<Map<String, String>> partitions = specs.stream().map(QuerySpec::partition).toList();
        Map<Map<String, String>, Map<String, Object>> offsets = context.offsetStorageReader().offsets(partitions);
        for (QuerySpec spec : specs) {
            queriers.add(new TableQuerier(spec, offsets.get(spec.partition())));
        }
        log.info("JDBC source task reading {} with mode {}", specs.stream().map(QuerySpec::description).toList(),
                config.mode().configValue());
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        if (queriers.isEmpty()) {
            idle(MAX_IDLE_WAIT_MS);
            return null;
        }
        TableQuerier querier = queriers.stream().min(Comparator.comparingLong(TableQuerier::nextRunMs)).orElseThrow();
        long wait = querier.nextRunMs() - System.currentTimeMillis();
        if (wait > 0) {
            idle(Math.min(wait, MAX_IDLE_WAIT_MS));
            return null;
        }
        if (stopping) {
            return null;
        }
        try {
            List<SourceRecord> batch = querier.poll(pool, System.currentTimeMillis());
            return batch.isEmpty() ? null : batch;
        } catch (SQLException e) {
            if (stopping) {
                return null;
            }
            // One table's failure (dropped, locked, connection lost) must not stop the others: retry it later.
            log.error("Reading {} failed; retrying after poll.interval.ms: {}", querier.partition(), e.toString());
            return null;
        }
    }

    private void idle(long ms) throws InterruptedException {
        synchronized (wakeUp) {
            if (!stopping) {
                wakeUp.wait(ms);
            }
        }
    }

    @Override
    public void stop() {
        stopping = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        // Closing the pool aborts a query in flight; poll() sees stopping and returns.
        if (pool != null) {
            pool.close();
        }
    }
}
