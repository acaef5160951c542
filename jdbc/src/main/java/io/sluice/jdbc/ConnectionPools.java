package io.sluice.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * HikariCP pools for the JDBC connectors. The driver is whatever {@link DriverManager} knows for the URL, else one
 * found through {@link ServiceLoader} in the connector's own class loader (a driver jar installed beside the
 * connector in its {@code plugin.path} directory), which DriverManager does not see: it only registers the drivers
 * of the class loader that first touched it, and hands out only drivers visible to its caller.
 */
public final class ConnectionPools {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPools.class);
    static final long CONNECTION_TIMEOUT_MS = 5_000;

    private ConnectionPools() {
    }

    /**
     * A first connection from {@code pool}, tried {@code connection.attempts} times {@code connection.backoff.ms}
     * apart (a database still starting, or restarting, when the task starts); fails with the last error.
     */
    public static Connection firstConnection(DataSource pool, JdbcConnectionConfig config)
            throws InterruptedException {
        SQLException last = null;
        for (int attempt = 1; attempt <= config.attempts(); attempt++) {
            try {
                return pool.getConnection();
            } catch (SQLException e) {
                last = e;
                if (attempt < config.attempts()) {
                    log.info("Cannot connect to {} (attempt {} of {}), retrying in {} ms: {}", redact(config.url()),
                            attempt, config.attempts(), config.backoffMs(), e.getMessage());
                    Thread.sleep(config.backoffMs());
                }
            }
        }
        throw new ConnectException("Cannot connect to " + redact(config.url()) + " after " + config.attempts()
                + " attempt(s) (" + JdbcConnectionConfig.CONNECTION_ATTEMPTS + "): " + last.getMessage(), last);
    }

    /**
     * One connection outside any pool, through the same driver a pool would use (one on plugin.path too), for
     * a connector's validate().
     */
    public static Connection connectOnce(JdbcConnectionConfig config) throws SQLException {
        Driver driver = pluginDriver(config.url(), ConnectionPools.class.getClassLoader(),
                Thread.currentThread().getContextClassLoader());
        if (driver == null) {
            driver = DriverManager.getDriver(config.url());
        }
        Properties info = new Properties();
        if (config.user() != null) {
            info.setProperty("user", config.user());
        }
        if (config.passwordValue() != null) {
            info.setProperty("password", config.passwordValue());
        }
        Connection connection = driver.connect(config.url(), info);
        if (connection == null) {
            throw new SQLException("The driver " + driver.getClass().getName() + " does not take " + redact(config.url()));
        }
        return connection;
    }

    /** A pool of at most {@code size} connections named {@code name}; fails clearly when no driver takes the URL. */
    public static HikariDataSource open(JdbcConnectionConfig config, String name, int size) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        if (config.password() != null) {
            hikari.setPassword(config.password().value());
        }
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(0);
        // Fail at the first call that needs a connection, with the connector's retry policy, not at pool creation.
        hikari.setInitializationFailTimeout(-1);
        // One getConnection() is one of connection.attempts: Hikari's own 30 s of silent retrying would make
        // attempts and backoff meaningless and a missing database slow to report.
        hikari.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        ClassLoader own = ConnectionPools.class.getClassLoader();
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Driver driver = pluginDriver(config.url(), own, saved);
        try {
            if (driver != null) {
                // Hikari instantiates the class itself through the context class loader when DriverManager lacks it.
                hikari.setDriverClassName(driver.getClass().getName());
                Thread.currentThread().setContextClassLoader(driver.getClass().getClassLoader());
            }
            return new HikariDataSource(hikari);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    /** A driver for {@code url} that DriverManager does not offer us, or null when DriverManager has one. */
    private static Driver pluginDriver(String url, ClassLoader... loaders) {
        try {
            DriverManager.getDriver(url);
            return null;
        } catch (SQLException notRegistered) {
            for (ClassLoader loader : loaders) {
                if (loader == null) {
                    continue;
                }
                for (Driver driver : ServiceLoader.load(Driver.class, loader)) {
                    try {
                        if (driver.acceptsURL(url)) {
                            return driver;
                        }
                    } catch (SQLException ignored) {
                        // a driver that cannot judge the URL is not the one
                    }
                }
            }
            throw new ConnectException("No suitable JDBC driver for " + redact(url) + ": put the driver's jar in the"
                    + " connector's plugin.path directory (H2 and PostgreSQL drivers ship with Sluice)");
        }
    }

    /** The URL without its parameters ({@code ?...} or {@code ;...}), which may hold credentials. */
    public static String redact(String url) {
        int cut = url.length();
        for (char c : new char[] {'?', ';'}) {
            int at = url.indexOf(c);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        return url.substring(0, cut);
    }
}
