package io.sluice.jdbc.dialect;

import org.apache.kafka.common.config.ConfigException;

import java.util.List;

/** Picks the dialect: the one {@code dialect.name} names, else the one the JDBC URL's subprotocol implies. */
public final class Dialects {
    public static final List<String> NAMES = List.of(H2Dialect.NAME, PostgresDialect.NAME, GenericDialect.NAME);

    private Dialects() {
    }

    public static Dialect forUrl(String url, String dialectName, boolean quoteIdentifiers) {
        String name = dialectName == null || dialectName.isBlank() ? fromUrl(url) : dialectName.trim();
        return switch (name) {
            case H2Dialect.NAME -> new H2Dialect(quoteIdentifiers);
            case PostgresDialect.NAME -> new PostgresDialect(quoteIdentifiers);
            case GenericDialect.NAME -> new GenericDialect(quoteIdentifiers);
            default -> throw new ConfigException("dialect.name", dialectName, "must be one of " + NAMES);
        };
    }

    private static String fromUrl(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return H2Dialect.NAME;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return PostgresDialect.NAME;
        }
        return GenericDialect.NAME;
    }
}
