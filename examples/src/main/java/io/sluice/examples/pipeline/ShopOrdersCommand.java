package io.sluice.examples.pipeline;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.Callable;

/**
 * {@code shop-orders}: the database end of the exactly-once pipeline example — creates the {@code orders} table if
 * it is missing and inserts orders after the highest id there, or with {@code --check} compares
 * {@code orders_enriched} with {@code orders} (exit code 1 when they differ).
 */
@Command(name = "shop-orders", mixinStandardHelpOptions = true,
        description = "Create and fill the pipeline example's orders table, or check orders_enriched against it.")
public final class ShopOrdersCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "JDBC URL of the database, e.g. "
            + "jdbc:h2:./data/h2/shop;AUTO_SERVER=TRUE or jdbc:postgresql://127.0.0.1:5432/shop.")
    String url;

    @Option(names = "--user", description = "Database user.")
    String user;

    @Option(names = "--password", description = "Database password.")
    String password;

    @Option(names = "--count", defaultValue = "1000", description = "Orders to insert (0: only create the table).")
    long count;

    @Option(names = "--rate", defaultValue = "500", description = "Orders per second.")
    int rate;

    @Option(names = "--check", description = "Compare orders_enriched with orders instead of inserting.")
    boolean check;

    @Override
    public Integer call() throws SQLException, InterruptedException {
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            if (check) {
                ShopOrders.Report report = ShopOrders.check(connection);
                System.out.println(report);
                return report.exact() ? 0 : 1;
            }
            ShopOrders.createTable(connection);
            long first = ShopOrders.lastId(connection) + 1;
            if (count > 0) {
                ShopOrders.insert(connection, first, count, Math.max(1, rate));
                System.out.printf("Inserted orders %d to %d%n", first, first + count - 1);
            }
        }
        return 0;
    }
}
