package io.sluice.examples.pipeline;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The pipeline example's tables: {@code orders} (created here, filled at a steady rate) and {@code orders_enriched}
 * (created by the JDBC sink), and the check that the second is the first enriched — every order once, with
 * {@code total = quantity * unit_price}. Names are quoted lower case, so H2 and PostgreSQL spell them alike.
 */
public final class ShopOrders {
    static final String CREATE_ORDERS = "CREATE TABLE IF NOT EXISTS \"orders\" (\"id\" BIGINT PRIMARY KEY, "
            + "\"customer\" VARCHAR(64) NOT NULL, \"item\" VARCHAR(64) NOT NULL, \"quantity\" INTEGER NOT NULL, "
            + "\"unit_price\" DECIMAL(10,2) NOT NULL)";

    /** What {@link #check} found. */
    public record Report(long orders, long enriched, long duplicates, long missing, long wrong) {
        public boolean exact() {
            return duplicates == 0 && missing == 0 && wrong == 0 && enriched == orders;
        }

        @Override
        public String toString() {
            return String.format("orders: %d, orders_enriched: %d rows (%d duplicates), missing: %d, wrong total: %d",
                    orders, enriched, duplicates, missing, wrong);
        }
    }

    private ShopOrders() {
    }

    public static void createTable(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(CREATE_ORDERS);
        }
    }

    /** The highest order id, 0 for none. */
    public static long lastId(Connection connection) throws SQLException {
        return scalar(connection, "SELECT COALESCE(MAX(\"id\"), 0) FROM \"orders\"");
    }

    /** Inserts orders {@code first..first+count-1} at about {@code perSecond}, a transaction per chunk. */
    public static void insert(Connection connection, long first, long count, int perSecond)
            throws SQLException, InterruptedException {
        int chunk = Math.max(1, Math.min(500, perSecond / 10));
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO \"orders\" VALUES (?, ?, ?, ?, ?)")) {
            long began = System.nanoTime();
            for (long i = 0; i < count; i++) {
                long id = first + i;
                insert.setLong(1, id);
                insert.setString(2, "customer-" + (id % 97));
                insert.setString(3, "item-" + (id % 13));
                insert.setInt(4, (int) (1 + id % 7));
                insert.setBigDecimal(5, BigDecimal.valueOf(100 + id % 1000, 2));
                insert.addBatch();
                if ((i + 1) % chunk == 0 || i == count - 1) {
                    insert.executeBatch();
                    connection.commit();
                    long aheadNanos = (long) ((i + 1) * 1e9 / perSecond) - (System.nanoTime() - began);
                    if (aheadNanos > 0) {
                        Thread.sleep(aheadNanos / 1_000_000);
                    }
                }
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * Walks both tables in id order side by side: orders_enriched has no index (the sink creates it without a key),
     * so a join would be quadratic on a database without hash joins.
     */
    public static Report check(Connection connection) throws SQLException {
        long orders = 0;
        long enriched = 0;
        long duplicates = 0;
        long missing = 0;
        long wrong = 0;
        try (Statement a = connection.createStatement(); Statement b = connection.createStatement();
             ResultSet source = a.executeQuery("SELECT \"id\", \"customer\", \"item\", \"quantity\" * \"unit_price\" "
                     + "FROM \"orders\" ORDER BY \"id\"");
             ResultSet target = b.executeQuery("SELECT \"id\", \"customer\", \"item\", \"total\" "
                     + "FROM \"orders_enriched\" ORDER BY \"id\"")) {
            boolean more = target.next();
            while (source.next()) {
                orders++;
                long id = source.getLong(1);
                while (more && target.getLong(1) < id) { // a row of no order at all
                    enriched++;
                    more = target.next();
                }
                boolean found = false;
                while (more && target.getLong(1) == id) {
                    enriched++;
                    if (found) {
                        duplicates++;
                    } else if (!same(source, target)) {
                        wrong++;
                    }
                    found = true;
                    more = target.next();
                }
                missing += found ? 0 : 1;
            }
            while (more) {
                enriched++;
                more = target.next();
            }
        }
        return new Report(orders, enriched, duplicates, missing, wrong);
    }

    private static boolean same(ResultSet source, ResultSet target) throws SQLException {
        BigDecimal total = target.getBigDecimal(4);
        return source.getString(2).equals(target.getString(2)) && source.getString(3).equals(target.getString(3))
                && total != null && total.compareTo(source.getBigDecimal(4)) == 0;
    }

    private static long scalar(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
