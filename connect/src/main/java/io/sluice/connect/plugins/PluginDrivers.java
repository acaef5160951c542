package io.sluice.connect.plugins;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * Makes JDBC drivers found on {@code plugin.path} usable by every connector, as Kafka Connect users expect when they
 * drop a driver jar there. {@link DriverManager} hands a caller only drivers whose class that caller's class loader
 * can see, so a driver loaded by a plugin's own loader is invisible to a connector elsewhere (Sluice's JDBC
 * connectors on the classpath, or another plugin). Each such driver is registered through a {@link Shim} loaded by
 * the runtime's loader, which every plugin loader delegates to.
 */
final class PluginDrivers {
    private static final Logger log = LoggerFactory.getLogger(PluginDrivers.class);

    private PluginDrivers() {
    }

    /** Registers the drivers that {@code loader} itself defines (not those it reaches through its parent). */
    static void register(PluginClassLoader loader) {
        try {
            for (Driver driver : ServiceLoader.load(Driver.class, loader)) {
                if (driver.getClass().getClassLoader() == loader) {
                    DriverManager.registerDriver(new Shim(driver));
                    log.info("Registered JDBC driver {} from {}", driver.getClass().getName(), loader.location());
                }
            }
        } catch (Throwable e) {
            // A broken driver jar must not stop the worker; connectors using it will say the driver is missing.
            log.warn("Cannot load the JDBC drivers of {}: {}", loader.location(), e.toString());
        }
    }

    /** A driver of the runtime's class loader standing for one of a plugin's. */
    static final class Shim implements Driver {
        private final Driver driver;

        Shim(Driver driver) {
            this.driver = driver;
        }

        @Override
        public Connection connect(String url, Properties info) throws SQLException {
            return driver.connect(url, info);
        }

        @Override
        public boolean acceptsURL(String url) throws SQLException {
            return driver.acceptsURL(url);
        }

        @Override
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
            return driver.getPropertyInfo(url, info);
        }

        @Override
        public int getMajorVersion() {
            return driver.getMajorVersion();
        }

        @Override
        public int getMinorVersion() {
            return driver.getMinorVersion();
        }

        @Override
        public boolean jdbcCompliant() {
            return driver.jdbcCompliant();
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return driver.getParentLogger();
        }

        @Override
        public String toString() {
            return "PluginDriver{" + driver.getClass().getName() + "}";
        }
    }
}
