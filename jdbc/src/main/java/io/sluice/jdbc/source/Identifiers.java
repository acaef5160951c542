package io.sluice.jdbc.source;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/** Identifier quoting with the quote string the driver reports, so one code path serves every database. */
final class Identifiers {
    private Identifiers() {
    }

    /** The driver's quote string, or "" when quoting is off or the database has none. */
    static String quoteString(DatabaseMetaData metadata, boolean quote) throws SQLException {
        if (!quote) {
            return "";
        }
        String q = metadata.getIdentifierQuoteString();
        return q == null || q.isBlank() ? "" : q.trim();
    }

    static String quote(String identifier, String quote) {
        if (quote.isEmpty()) {
            return identifier;
        }
        return quote + identifier.replace(quote, quote + quote) + quote;
    }
}
