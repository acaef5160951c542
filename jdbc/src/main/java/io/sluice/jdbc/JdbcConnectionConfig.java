package io.sluice.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * The database connection settings both JDBC connectors share, with Confluent's names: {@code connection.url},
 * {@code connection.user}, {@code connection.password}.
 */
public record JdbcConnectionConfig(String url, String user, Password password) {
    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USER = "connection.user";
    public static final String CONNECTION_PASSWORD = "connection.password";
    public static final String GROUP = "Database";

    /** Adds the connection settings to {@code def}. */
    public static ConfigDef define(ConfigDef def) {
        return def
                .define(CONNECTION_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, "JDBC connection URL, e.g. jdbc:h2:mem:orders or "
                                + "jdbc:postgresql://127.0.0.1:5432/db", GROUP, 1, ConfigDef.Width.LONG, "JDBC URL")
                .define(CONNECTION_USER, Type.STRING, null, Importance.HIGH, "JDBC connection user.", GROUP, 2,
                        ConfigDef.Width.MEDIUM, "JDBC User")
                .define(CONNECTION_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "JDBC connection password.", GROUP,
                        3, ConfigDef.Width.MEDIUM, "JDBC Password");
    }

    public static JdbcConnectionConfig of(AbstractConfig config) {
        return new JdbcConnectionConfig(config.getString(CONNECTION_URL), config.getString(CONNECTION_USER),
                config.getPassword(CONNECTION_PASSWORD));
    }

    /** The password in clear, or null. */
    public String passwordValue() {
        return password == null ? null : password.value();
    }
}
