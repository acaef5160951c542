package io.sluice.jdbc.sink;

import io.sluice.jdbc.dialect.ColumnInfo;
import io.sluice.jdbc.dialect.ColumnSpec;
import io.sluice.jdbc.dialect.Dialect;
import io.sluice.jdbc.dialect.TableDefinitions;
import io.sluice.jdbc.dialect.TableId;
import org.apache.kafka.connect.data.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Makes tables fit the rows written to them: creates a missing table ({@code auto.create}), adds missing columns
 * and widens too-narrow ones ({@code auto.evolve}), and says why rows of a shape cannot be written when it may not
 * (a missing column, a column of another kind). Runs DDL on its own auto-commit connection before the data's
 * transaction begins, because some databases (H2) commit an open transaction on DDL. Another task may run the same
 * DDL at the same moment: a statement that fails is forgiven when the table, read again, fits.
 */
final class TableManager {
    private static final Logger log = LoggerFactory.getLogger(TableManager.class);

    /** Why rows of a shape cannot go into their table; every row of that shape is a bad record. */
    static final class Misfit extends Exception {
        Misfit(String message) {
            super(message);
        }
    }

    private final Dialect dialect;
    private final boolean autoCreate;
    private final boolean autoEvolve;
    private final Map<TableId, Map<String, ColumnInfo>> tables = new HashMap<>();

    TableManager(Dialect dialect, boolean autoCreate, boolean autoEvolve) {
        this.dialect = dialect;
        this.autoCreate = autoCreate;
        this.autoEvolve = autoEvolve;
    }

    /**
     * Makes {@code shape}'s table fit {@code rows} (all of that shape); false when rows need not be written
     * (deletes from a table that does not exist).
     */
    boolean ensure(Connection ddl, RowShape shape, List<Row> rows) throws SQLException, Misfit {
        TableId table = shape.table();
        Map<String, ColumnInfo> columns = columns(ddl, table);
        if (columns == null) {
            if (shape.operation() == Operation.DELETE) {
                return false;
            }
            if (!autoCreate) {
                throw new Misfit("table " + table + " does not exist and auto.create=false");
            }
            String sql = dialect.createTable(table, shape.keys(), shape.values());
            execute(ddl, sql, table);
            columns = columns(ddl, table);
            if (columns == null) {
                throw new Misfit("table " + table + " is still missing after " + sql);
            }
            log.info("Created table {} ({})", table, sql);
        }
        boolean altered = false;
        List<ColumnSpec> all = new ArrayList<>(shape.keys());
        all.addAll(shape.values());
        for (int i = 0; i < all.size(); i++) {
            ColumnSpec spec = all.get(i);
            boolean isKey = i < shape.keys().size();
            ColumnInfo column = find(columns, spec.name());
            if (column == null) {
                addColumn(ddl, table, spec, isKey);
                altered = true;
                continue;
            }
            String misfit = dialect.misfit(column, spec.schema());
            if (misfit != null) {
                throw new Misfit("table " + table + ": " + misfit);
            }
            int longest = spec.schema().type() == Schema.Type.STRING
                    ? longest(rows, isKey, isKey ? i : i - shape.keys().size()) : 0;
            String wider = dialect.widening(column, spec.schema(), longest);
            if (wider != null) {
                if (!autoEvolve) {
                    if (spec.schema().type() == Schema.Type.STRING) {
                        throw new Misfit("table " + table + ": column " + column.name() + " is " + column.typeName()
                                + "(" + column.size() + ") but a value is " + longest + " characters long, and "
                                + "auto.evolve=false");
                    }
                    continue; // a narrower column may still hold these values; the database will say if not
                }
                execute(ddl, dialect.alterColumnType(table, column.name(), wider), table);
                log.info("Widened {}.{} from {} to {}", table, column.name(), column.typeName(), wider);
                altered = true;
            }
        }
        if (altered) {
            tables.remove(table);
            columns(ddl, table);
        }
        return true;
    }

    private void addColumn(Connection ddl, TableId table, ColumnSpec spec, boolean isKey) throws SQLException, Misfit {
        if (!autoEvolve) {
            throw new Misfit("table " + table + " has no column " + spec.name() + " and auto.evolve=false");
        }
        if (isKey) {
            throw new Misfit("table " + table + " has no primary key column " + spec.name()
                    + "; auto.evolve adds value columns only");
        }
        if (!spec.schema().isOptional() && spec.schema().defaultValue() == null) {
            throw new Misfit("table " + table + " has no column " + spec.name() + ", and auto.evolve cannot add it"
                    + " because the field is neither optional nor has a default value");
        }
        String sql = dialect.addColumn(table, spec);
        execute(ddl, sql, table);
        log.info("Added column to {} ({})", table, sql);
    }

    private static int longest(List<Row> rows, boolean key, int index) {
        int longest = 0;
        for (Row row : rows) {
            Object value = key ? row.keys()[index] : row.values()[index];
            if (value instanceof String s) {
                longest = Math.max(longest, s.length());
            }
        }
        return longest;
    }

    private ColumnInfo find(Map<String, ColumnInfo> columns, String name) {
        ColumnInfo exact = columns.get(name);
        if (exact != null || dialect.quotesIdentifiers()) {
            return exact;
        }
        for (ColumnInfo column : columns.values()) {
            if (column.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return column;
            }
        }
        return null;
    }

    private Map<String, ColumnInfo> columns(Connection ddl, TableId table) throws SQLException {
        Map<String, ColumnInfo> columns = tables.get(table);
        if (columns == null) {
            columns = TableDefinitions.columns(ddl, table, dialect.quotesIdentifiers());
            if (columns != null) {
                tables.put(table, columns);
            }
        }
        return columns;
    }

    /** Runs one DDL statement; a failure is left for the re-read of the table to judge (another task's DDL won). */
    private void execute(Connection ddl, String sql, TableId table) throws SQLException {
        try (Statement statement = ddl.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            log.warn("DDL on {} failed ({}); reading the table again: {}", table, sql, e.getMessage());
            tables.remove(table);
            if (TableDefinitions.columns(ddl, table, dialect.quotesIdentifiers()) == null) {
                throw e;
            }
        }
        tables.remove(table);
    }

    /** Forgets what it knows of the tables (after an error, the database may have changed under us). */
    void forget() {
        tables.clear();
    }
}
