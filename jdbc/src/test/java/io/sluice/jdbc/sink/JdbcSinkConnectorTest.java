package io.sluice.jdbc.sink;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcSinkConnectorTest {
    static Map<String, String> config(String... keysAndValues) {
        Map<String, String> config = new HashMap<>(Map.of("name", "s", "connection.url", "jdbc:h2:mem:x"));
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }

    @Test
    void validateReportsErrorsOnTheKeyAtFault() {
        JdbcSinkConnector connector = new JdbcSinkConnector();
        Map<String, ConfigValue> values = new HashMap<>();
        connector.validate(config("delete.enabled", "true", "pk.mode", "record_value")).configValues()
                .forEach(v -> values.put(v.name(), v));
        assertThat(values.get("delete.enabled").errorMessages()).singleElement().asString()
                .contains("Primary key mode must be 'record_key'");
        connector.validate(config("insert.mode", "merge")).configValues().forEach(v -> values.put(v.name(), v));
        assertThat(values.get("insert.mode").errorMessages()).isNotEmpty();
        Map<String, ConfigValue> ok = new HashMap<>();
        connector.validate(config("insert.mode", "UPSERT", "pk.mode", "record_key", "pk.fields", "id"))
                .configValues().forEach(v -> ok.put(v.name(), v));
        assertThat(ok.values()).allSatisfy(v -> assertThat(v.errorMessages()).as(v.name()).isEmpty());
    }

    @Test
    void badConfigsFailTheConnectorAtStart() {
        assertThatThrownBy(() -> new JdbcSinkConnector().start(config("insert.mode", "upsert")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs a primary key");
        assertThatThrownBy(() -> new JdbcSinkConnector().start(config("db.timezone", "Mars/Olympus")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("db.timezone");
        assertThatThrownBy(() -> new JdbcSinkConnector().start(config("pk.mode", "kafka", "pk.fields", "a,b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("exactly 3");
        JdbcSinkConfig both = new JdbcSinkConfig(config("fields.whitelist", "a, b", "fields.include.list", "c"));
        assertThat(both.fieldsIncluded).containsExactly("a", "b", "c");
        assertThat(both.tableName("orders")).isEqualTo("orders");
        assertThat(new JdbcSinkConfig(config("table.name.format", "sales.kafka_${topic}")).tableName("orders"))
                .isEqualTo("sales.kafka_orders");
    }

    @Test
    void onlyErrorsARetryCanFixAreRetried() {
        assertThat(JdbcSinkTask.isTransient(new SQLTransientConnectionException("pool timeout"))).isTrue();
        assertThat(JdbcSinkTask.isTransient(new SQLException("connection lost", "08006"))).isTrue();
        assertThat(JdbcSinkTask.isTransient(new SQLException("deadlock", "40P01"))).isTrue();
        assertThat(JdbcSinkTask.isTransient(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(JdbcSinkTask.isTransient(new SQLException("bad number", "22P02"))).isFalse();
    }
}
