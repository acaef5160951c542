package io.sluice.jdbc.sink;

import io.sluice.jdbc.dialect.Dialect;
import io.sluice.jdbc.dialect.TableDefinitions;
import io.sluice.jdbc.dialect.TableId;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The exactly-once sink's offsets, in the target database: one row {@code (connector, topic, kafka_partition,
 * next_offset)} per consumed partition, written in the same transaction as the rows it accounts for. Each write is a
 * compare-and-set against the offset this task last read or wrote, so a second writer of the same partition (a
 * zombie task after a rebalance) fails its transaction instead of committing a duplicate.
 */
final class SinkOffsetsTable {
    /** Another writer moved a partition's offset since this task read it. */
    static final class FencedException extends Exception {
        FencedException(String message) {
            super(message);
        }
    }

    private final Dialect dialect;
    private final TableId table;
    private final String connector;

    SinkOffsetsTable(Dialect dialect, String tableName, String connector) {
        this.dialect = dialect;
        this.table = TableId.parse(tableName);
        this.connector = connector;
    }

    /** Creates the table when missing (tolerating another task creating it at the same time). */
    void ensureExists(Connection ddl) throws SQLException {
        if (TableDefinitions.columns(ddl, table, dialect.quotesIdentifiers()) != null) {
            return;
        }
        String sql = "CREATE TABLE " + dialect.quote(table) + " (" + dialect.quote("connector")
                + " VARCHAR(255) NOT NULL, " + dialect.quote("topic") + " VARCHAR(255) NOT NULL, "
                + dialect.quote("kafka_partition") + " INTEGER NOT NULL, " + dialect.quote("next_offset")
                + " BIGINT NOT NULL, PRIMARY KEY("
                + dialect.quote("connector") + ", " + dialect.quote("topic") + ", " + dialect.quote("kafka_partition")
                + "))";
        try (Statement statement = ddl.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            if (TableDefinitions.columns(ddl, table, dialect.quotesIdentifiers()) == null) {
                throw e;
            }
        }
    }

    /** The stored next offsets of those of {@code partitions} that have one. */
    Map<TopicPartition, Long> read(Connection connection, Collection<TopicPartition> partitions) throws SQLException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        String sql = "SELECT " + dialect.quote("next_offset") + " FROM " + dialect.quote(table) + " WHERE "
                + dialect.quote("connector") + "=? AND " + dialect.quote("topic") + "=? AND "
                + dialect.quote("kafka_partition") + "=?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (TopicPartition tp : partitions) {
                statement.setString(1, connector);
                statement.setString(2, tp.topic());
                statement.setInt(3, tp.partition());
                try (ResultSet rs = statement.executeQuery()) {
                    if (rs.next()) {
                        offsets.put(tp, rs.getLong(1));
                    }
                }
            }
        }
        return offsets;
    }

    /**
     * Stores {@code next} within the caller's transaction, each partition only if its row still holds
     * {@code expected}'s offset (or is absent when {@code expected} has none).
     */
    void write(Connection connection, Map<TopicPartition, Long> next, Map<TopicPartition, Long> expected)
            throws SQLException, FencedException {
        String update = "UPDATE " + dialect.quote(table) + " SET " + dialect.quote("next_offset") + "=? WHERE "
                + dialect.quote("connector") + "=? AND " + dialect.quote("topic") + "=? AND "
                + dialect.quote("kafka_partition") + "=? AND " + dialect.quote("next_offset") + "=?";
        String insert = "INSERT INTO " + dialect.quote(table) + "(" + dialect.quote("connector") + ", "
                + dialect.quote("topic") + ", " + dialect.quote("kafka_partition") + ", "
                + dialect.quote("next_offset") + ") VALUES(?, ?, ?, ?)";
        try (PreparedStatement updating = connection.prepareStatement(update);
             PreparedStatement inserting = connection.prepareStatement(insert)) {
            for (Map.Entry<TopicPartition, Long> entry : next.entrySet()) {
                TopicPartition tp = entry.getKey();
                Long previous = expected.get(tp);
                if (previous != null) {
                    updating.setLong(1, entry.getValue());
                    updating.setString(2, connector);
                    updating.setString(3, tp.topic());
                    updating.setInt(4, tp.partition());
                    updating.setLong(5, previous);
                    if (updating.executeUpdate() != 1) {
                        throw new FencedException("the stored offset of " + tp + " is no longer " + previous
                                + ": another task wrote this partition");
                    }
                } else {
                    inserting.setString(1, connector);
                    inserting.setString(2, tp.topic());
                    inserting.setInt(3, tp.partition());
                    inserting.setLong(4, entry.getValue());
                    try {
                        inserting.executeUpdate();
                    } catch (SQLException e) {
                        if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                            throw new FencedException("another task stored an offset for " + tp + " first");
                        }
                        throw e;
                    }
                }
            }
        }
    }
}
