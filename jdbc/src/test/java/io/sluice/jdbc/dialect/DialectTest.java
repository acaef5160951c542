package io.sluice.jdbc.dialect;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DialectTest {
    static final TableId TABLE = TableId.parse("shop.orders");
    static final List<ColumnSpec> KEYS = List.of(new ColumnSpec("id", Schema.INT64_SCHEMA));
    static final List<ColumnSpec> VALUES = List.of(new ColumnSpec("item", Schema.STRING_SCHEMA),
            new ColumnSpec("qty", Schema.OPTIONAL_INT32_SCHEMA));

    @Test
    void dialectComesFromTheUrlUnlessNamed() {
        assertThat(Dialects.forUrl("jdbc:h2:mem:x", "", true)).isInstanceOf(H2Dialect.class);
        assertThat(Dialects.forUrl("jdbc:postgresql://h/db", null, true)).isInstanceOf(PostgresDialect.class);
        assertThat(Dialects.forUrl("jdbc:sqlite:x.db", "", true)).isInstanceOf(GenericDialect.class);
        assertThat(Dialects.forUrl("jdbc:h2:mem:x", "GenericDatabaseDialect", true)).isInstanceOf(GenericDialect.class);
    }

    @Test
    void upsertIsMergeOnH2AndOnConflictOnPostgres() {
        assertThat(new H2Dialect(true).upsert(TABLE, KEYS, VALUES)).isEqualTo(
                "MERGE INTO \"shop\".\"orders\"(\"id\", \"item\", \"qty\") KEY(\"id\") VALUES(?, ?, ?)");
        assertThat(new PostgresDialect(true).upsert(TABLE, KEYS, VALUES)).isEqualTo(
                "INSERT INTO \"shop\".\"orders\"(\"id\", \"item\", \"qty\") VALUES(?, ?, ?) ON CONFLICT (\"id\") DO "
                        + "UPDATE SET \"item\"=EXCLUDED.\"item\", \"qty\"=EXCLUDED.\"qty\"");
        assertThat(new PostgresDialect(false).upsert(TableId.parse("t"), KEYS, List.of()))
                .isEqualTo("INSERT INTO t(id) VALUES(?) ON CONFLICT (id) DO NOTHING");
        assertThatThrownBy(() -> new GenericDialect(true).upsert(TABLE, KEYS, VALUES))
                .isInstanceOf(ConnectException.class).hasMessageContaining("insert.mode=upsert is not supported");
    }

    @Test
    void createTableMapsConnectTypesPerDatabase() {
        Schema price = Decimal.builder(2).build();
        Schema tier = SchemaBuilder.int32().optional().defaultValue(1).build();
        List<ColumnSpec> values = List.of(new ColumnSpec("name", Schema.STRING_SCHEMA), new ColumnSpec("price", price),
                new ColumnSpec("tier", tier));
        assertThat(new PostgresDialect(true).createTable(TableId.parse("c"), KEYS, values)).isEqualTo(
                "CREATE TABLE \"c\" (\"id\" BIGINT NOT NULL, \"name\" TEXT NOT NULL, \"price\" DECIMAL NOT NULL, "
                        + "\"tier\" INTEGER DEFAULT 1 NULL, PRIMARY KEY(\"id\"))");
        assertThat(new H2Dialect(true).createTable(TableId.parse("c"), KEYS, values)).isEqualTo(
                "CREATE TABLE \"c\" (\"id\" BIGINT NOT NULL, \"name\" CHARACTER VARYING NOT NULL, \"price\" "
                        + "NUMERIC(100000,2) NOT NULL, \"tier\" INTEGER DEFAULT 1 NULL, PRIMARY KEY(\"id\"))");
    }

    @Test
    void widensIntegersFloatsAndShortStringsOnly() {
        Dialect dialect = new PostgresDialect(true);
        ColumnInfo integer = new ColumnInfo("n", Types.INTEGER, "int4", 10, false);
        ColumnInfo bigint = new ColumnInfo("n", Types.BIGINT, "int8", 19, false);
        ColumnInfo varchar5 = new ColumnInfo("s", Types.VARCHAR, "varchar", 5, true);
        assertThat(dialect.widening(integer, Schema.INT64_SCHEMA, 0)).isEqualTo("BIGINT");
        assertThat(dialect.widening(integer, Schema.INT32_SCHEMA, 0)).isNull();
        assertThat(dialect.widening(bigint, Schema.INT32_SCHEMA, 0)).as("never narrows").isNull();
        assertThat(dialect.widening(new ColumnInfo("f", Types.REAL, "float4", 8, true), Schema.FLOAT64_SCHEMA, 0))
                .isEqualTo("DOUBLE PRECISION");
        assertThat(dialect.widening(varchar5, Schema.STRING_SCHEMA, 5)).isNull();
        assertThat(dialect.widening(varchar5, Schema.STRING_SCHEMA, 6)).isEqualTo("TEXT");
    }

    @Test
    void misfitNamesTheColumnWhenKindsDiffer() {
        Dialect dialect = new H2Dialect(true);
        ColumnInfo qty = new ColumnInfo("qty", Types.INTEGER, "INTEGER", 32, false);
        assertThat(dialect.misfit(qty, Schema.STRING_SCHEMA)).isEqualTo(
                "column qty is INTEGER but the record's field is STRING");
        assertThat(dialect.misfit(qty, Schema.INT64_SCHEMA)).isNull();
        assertThat(dialect.misfit(new ColumnInfo("j", Types.OTHER, "jsonb", 0, true), Schema.STRING_SCHEMA)).isNull();
    }

    @Test
    void tableDefinitionsTreatUnderscoresLiterallyAndFoldUnquotedNames() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:defs;DB_CLOSE_DELAY=-1");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"a_b\" (\"x\" INTEGER)");
            s.execute("CREATE TABLE \"aXb\" (\"y\" VARCHAR(7) NOT NULL)");
            s.execute("CREATE TABLE PLAIN (Z BIGINT)");
            Map<String, ColumnInfo> ab = TableDefinitions.columns(c, TableId.parse("a_b"), true);
            assertThat(ab).containsOnlyKeys("x");
            assertThat(TableDefinitions.columns(c, TableId.parse("aXb"), true).get("y"))
                    .isEqualTo(new ColumnInfo("y", Types.VARCHAR, "CHARACTER VARYING", 7, false));
            assertThat(TableDefinitions.columns(c, TableId.parse("missing"), true)).isNull();
            assertThat(TableDefinitions.columns(c, TableId.parse("plain"), false)).containsOnlyKeys("Z");
            assertThat(TableDefinitions.columns(c, TableId.parse("plain"), true)).isNull();
        }
    }
}
