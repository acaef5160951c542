package io.sluice.jdbc.dialect;

import java.util.List;

/** H2 2.x: upsert is {@code MERGE INTO ... KEY(...)}; strings and bytes unbounded (H2's own maximum). */
public final class H2Dialect extends Dialect {
    public static final String NAME = "H2DatabaseDialect";

    public H2Dialect(boolean quoteIdentifiers) {
        super(quoteIdentifiers);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String stringType() {
        return "CHARACTER VARYING";
    }

    @Override
    protected String bytesType() {
        return "BINARY VARYING";
    }

    @Override
    protected String decimalType(int scale) {
        return "NUMERIC(100000," + scale + ")";
    }

    @Override
    public String upsert(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        List<ColumnSpec> all = concat(keys, values);
        return "MERGE INTO " + quote(table) + "(" + names(all) + ") KEY(" + names(keys) + ") VALUES("
                + marks(all.size()) + ")";
    }
}
