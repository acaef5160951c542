package io.sluice.examples.pipeline;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline's database as the test sees it: both tables live in it, and child JVMs reach it by {@link #url()}.
 * Tables and columns are quoted lower-case names, so H2 and PostgreSQL name them alike (and so do the topic, the
 * record fields and the sink's columns).
 */
abstract class PipelineDatabase implements AutoCloseable {
    abstract String url();

    /** The user to connect as, or null. */
    abstract String user();

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), user(), null);
    }

    void createOrders() throws SQLException {
        try (Connection c = connect()) {
            ShopOrders.createTable(c);
        }
    }

    long count(String table) {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0; // the sink has not created the table yet
        }
    }

    /** {@code SELECT COUNT(*), COUNT(DISTINCT id)} of a table, as "count|distinct". */
    String countAndDistinct(String table) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT \"id\") FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1) + "|" + rs.getLong(2);
        }
    }

    /** Up to ten ids that orders_enriched holds more than once, with how often. */
    List<String> repeatedIds() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"id\", COUNT(*) FROM \"orders_enriched\" GROUP BY \"id\" "
                     + "HAVING COUNT(*) > 1 ORDER BY \"id\"")) {
            while (rs.next() && ids.size() < 10) {
                ids.add(rs.getLong(1) + "x" + rs.getLong(2));
            }
        }
        return ids;
    }

    /** The source table's rows as the enrichment should leave them: its columns and quantity * unit_price. */
    List<String> ordersEnrichedByHand() throws SQLException {
        return rows("SELECT \"id\", \"customer\", \"item\", \"quantity\", \"unit_price\", NULL FROM \"orders\" "
                + "ORDER BY \"id\"", true);
    }

    List<String> ordersEnriched() throws SQLException {
        return rows("SELECT \"id\", \"customer\", \"item\", \"quantity\", \"unit_price\", \"total\" "
                + "FROM \"orders_enriched\" ORDER BY \"id\"", false);
    }

    private List<String> rows(String sql, boolean computeTotal) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                BigDecimal price = rs.getBigDecimal(5).setScale(2, RoundingMode.UNNECESSARY);
                BigDecimal total = computeTotal ? price.multiply(BigDecimal.valueOf(rs.getInt(4)))
                        : rs.getBigDecimal(6).setScale(2, RoundingMode.UNNECESSARY);
                rows.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getInt(4) + "|"
                        + price.toPlainString() + "|" + total.toPlainString());
            }
        }
        return rows;
    }
}
