package io.sluice.jdbc.dialect;

/** Standard SQL for databases without a dialect of their own: insert and update, no upsert. */
public final class GenericDialect extends Dialect {
    public static final String NAME = "GenericDatabaseDialect";

    public GenericDialect(boolean quoteIdentifiers) {
        super(quoteIdentifiers);
    }

    @Override
    public String name() {
        return NAME;
    }
}
