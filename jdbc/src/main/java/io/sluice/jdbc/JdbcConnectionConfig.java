package io.sluice.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/** The database connection settings both JDBC connectors share, under Confluent's JDBC connector's names. */
public record JdbcConnectionConfig(String url, String user, Password password, int attempts, long backoffMs) {
    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USER = "connection.user";
    public static final String CONNECTION_PASSWORD = "connection.password";
    public static final String CONNECTION_ATTEMPTS = "connection.attempts";
    public static final String CONNECTION_BACKOFF_MS = "connection.backoff.ms";
    public static final String GROUP = "Connection";

    /** Adds the connection settings to {@code def}. */
    public static ConfigDef define(ConfigDef def) {
        return def
                .define(CONNECTION_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, "JDBC connection URL, e.g. jdbc:postgresql://localhost/db or jdbc:h2:mem:db.",
                        GROUP, 1, ConfigDef.Width.LONG, "JDBC URL")
                .define(CONNECTION_USER, Type.STRING, null, Importance.HIGH, "JDBC connection user.", GROUP, 2,
                        ConfigDef.Width.MEDIUM, "JDBC User")
                .define(CONNECTION_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "JDBC connection password.", GROUP,
                        3, ConfigDef.Width.MEDIUM, "JDBC Password")
                .define(CONNECTION_ATTEMPTS, Type.INT, 3, ConfigDef.Range.atLeast(1), Importance.LOW,
                        "Maximum number of attempts to retrieve a valid JDBC connection.", GROUP, 4,
                        ConfigDef.Width.SHORT, "JDBC connection attempts")
                .define(CONNECTION_BACKOFF_MS, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        "Backoff time in milliseconds between connection attempts.", GROUP, 5, ConfigDef.Width.SHORT,
                        "JDBC connection backoff in milliseconds");
    }

    /** Reads the connection settings from a config defined with {@link #define}. */
    public static JdbcConnectionConfig from(AbstractConfig config) {
        return new JdbcConnectionConfig(config.getString(CONNECTION_URL).trim(), config.getString(CONNECTION_USER),
                config.getPassword(CONNECTION_PASSWORD), config.getInt(CONNECTION_ATTEMPTS),
                config.getLong(CONNECTION_BACKOFF_MS));
    }

    /** The password in clear, or null. */
    public String passwordValue() {
        return password == null ? null : password.value();
    }
}
