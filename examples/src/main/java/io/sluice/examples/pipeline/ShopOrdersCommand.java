package io.sluice.examples.pipeline;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;

/**
 * {@code shop-orders}: the database end of the exactly-once pipeline example. Creates the {@code orders} table if it
 * is missing, inserts orders at a steady rate (ids after the highest one there), and with {@code --check} compares
 * {@code orders_enriched} with {@code orders}: every order once, with total = quantity * unit_price.
 */
@Command(name = "shop-orders", mixinStandardHelpOptions = true,
        description = "Create and fill the pipeline example's orders table, or check orders_enriched against it.")
public final class ShopOrdersCommand implements Callable<Integer> {
    static final String CREATE_ORDERS = "CREATE TABLE IF NOT EXISTS \"orders\" (\"id\" BIGINT PRIMARY KEY, "
            + "\"customer\" VARCHAR(64) NOT NULL, \"item\" VARCHAR(64) NOT NULL, \"quantity\" INTEGER NOT NULL, "
            + "\"unit_price\" DECIMAL(10,2) NOT NULL)";

    @Option(names = "--url", required = true, description = "JDBC URL of the database, e.g. "
            + "jdbc:h2:./data/h2/shop;AUTO_SERVER=TRUE or jdbc:postgresql://127.0.0.1:5432/shop.")
    String url;

    @Option(names = "--user", description = "Database user.")
    String user;

    @Option(names = "--password", description = "Database password.")
    String password;

    @Option(names = "--count", defaultValue = "1000", description = "Orders to insert (0: only create the table).")
    int count;

    @Option(names = "--rate", defaultValue = "500", description = "Orders per second.")
    int rate;

    @Option(names = "--check", description = "Compare orders_enriched with orders instead of inserting.")
    boolean check;

    @Override
    public Integer call() throws SQLException, InterruptedException {
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            if (check) {
                return check(connection);
            }
            try (Statement s = connection.createStatement()) {
                s.execute(CREATE_ORDERS);
            }
            long first = max(connection, "orders") + 1;
            insert(connection, first, count);
            System.out.printf("Inserted orders %d to %d%n", first, first + count - 1);
        }
        return 0;
    }

    private void insert(Connection connection, long first, int n) throws SQLException, InterruptedException {
        int chunk = Math.max(1, Math.min(500, rate / 10));
        connection.setAutoCommit(false);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO \"orders\" VALUES (?, ?, ?, ?, ?)")) {
            long began = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long id = first + i;
                insert.setLong(1, id);
                insert.setString(2, "customer-" + (id % 97));
                insert.setString(3, "item-" + (id % 13));
                insert.setInt(4, (int) (1 + id % 7));
                insert.setBigDecimal(5, BigDecimal.valueOf(100 + id % 1000, 2));
                insert.addBatch();
                if ((i + 1) % chunk == 0 || i == n - 1) {
                    insert.executeBatch();
                    connection.commit();
                    long dueNanos = (long) ((i + 1) * 1e9 / rate) - (System.nanoTime() - began);
                    if (dueNanos > 0) {
                        Thread.sleep(dueNanos / 1_000_000);
                    }
                }
            }
        }
    }

    private static int check(Connection connection) throws SQLException {
        long orders = scalar(connection, "SELECT COUNT(*) FROM \"orders\"");
        long enriched = scalar(connection, "SELECT COUNT(*) FROM \"orders_enriched\"");
        long distinct = scalar(connection, "SELECT COUNT(DISTINCT \"id\") FROM \"orders_enriched\"");
        long missing = scalar(connection, "SELECT COUNT(*) FROM \"orders\" o WHERE NOT EXISTS "
                + "(SELECT 1 FROM \"orders_enriched\" e WHERE e.\"id\" = o.\"id\")");
        long wrong = scalar(connection, "SELECT COUNT(*) FROM \"orders\" o JOIN \"orders_enriched\" e "
                + "ON e.\"id\" = o.\"id\" WHERE e.\"total\" <> o.\"quantity\" * o.\"unit_price\" "
                + "OR e.\"customer\" <> o.\"customer\" OR e.\"item\" <> o.\"item\"");
        System.out.printf("orders: %d, orders_enriched: %d rows (%d duplicates), missing: %d, wrong total: %d%n",
                orders, enriched, enriched - distinct, missing, wrong);
        return enriched == distinct && missing == 0 && wrong == 0 && enriched == orders ? 0 : 1;
    }

    private static long max(Connection connection, String table) throws SQLException {
        return scalar(connection, "SELECT COALESCE(MAX(\"id\"), 0) FROM \"" + table + "\"");
    }

    private static long scalar(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
