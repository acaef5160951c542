package io.sluice.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** HikariCP pools for the connectors' tasks: one small pool per task, named after it in Hikari's logs. */
public final class ConnectionPools {
    private ConnectionPools() {
    }

    /**
     * Opens a pool of at most {@code maxSize} connections. It fails fast (a bad URL or an unreachable database
     * throws here rather than at the first query) so a task reports the problem when it starts.
     */
    public static HikariDataSource open(JdbcConnectionConfig connection, String poolName, int maxSize) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(connection.url());
        hikari.setUsername(connection.user());
        hikari.setPassword(connection.passwordValue());
        hikari.setPoolName(poolName);
        hikari.setMaximumPoolSize(maxSize);
        hikari.setMinimumIdle(0);
        hikari.setConnectionTimeout(30_000);
        hikari.setInitializationFailTimeout(1);
        return new HikariDataSource(hikari);
    }
}
