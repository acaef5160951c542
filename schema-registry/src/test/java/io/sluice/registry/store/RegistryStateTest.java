package io.sluice.registry.store;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RegistryStateTest {
    private static SchemaVersion v(String subject, int version, int id, String schema) {
        return new SchemaVersion(subject, version, id, schema, null, List.of(), false);
    }

    private static void put(RegistryState state, SchemaVersion v) {
        state.apply(StoreRecords.Key.schema(v.subject(), v.version()), StoreRecords.encodeSchema(v));
    }

    @Test
    void highestIdSurvivesCompactionOfTheVersionsThatUsedIt() {
        // What a compacted topic holds after version s/2 (id 2) was permanently deleted: the high-water record
        // written before the tombstone, and the tombstone itself may already be gone.
        RegistryState state = new RegistryState();
        put(state, v("s", 1, 1, "\"int\""));
        state.apply(StoreRecords.Key.idHighWater(), StoreRecords.encodeMaxId(2));
        assertThat(state.maxId()).isEqualTo(2);
        assertThat(state.byId(2)).isNull();
    }

    @Test
    void recordsThatWouldChangeWhatAnIdMeansAreIgnored() {
        RegistryState state = new RegistryState();
        put(state, v("s", 1, 1, "\"int\""));
        put(state, v("t", 1, 1, "\"long\""));      // id 1 already names "int"
        put(state, v("s", 1, 2, "\"long\""));      // s/1 already holds id 1
        assertThat(state.version("t", 1)).isNull();
        assertThat(state.version("s", 1).id()).isEqualTo(1);
        assertThat(state.byId(1).schema()).isEqualTo("\"int\"");
        assertThat(state.byId(2)).isNull();
        put(state, v("s", 1, 1, "\"int\"").withDeleted(true));   // a soft delete is allowed
        assertThat(state.version("s", 1).deleted()).isTrue();
        assertThat(state.subjects(false)).isEmpty();
        assertThat(state.subjects(true)).containsExactly("s");
        state.apply(StoreRecords.Key.schema("s", 1), null);
        assertThat(state.subjects(true)).isEmpty();
        assertThat(state.byId(1)).isNull();
        assertThat(state.maxId()).isEqualTo(1);
    }

    @Test
    void keysRoundTripAndAreStableBytes() {
        byte[] key = StoreRecords.encodeKey(StoreRecords.Key.schema("s", 3));
        assertThat(new String(key, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":3,\"magic\":1}");
        assertThat(StoreRecords.decodeKey(key)).isEqualTo(StoreRecords.Key.schema("s", 3));
        assertThat(StoreRecords.decodeKey(StoreRecords.encodeKey(StoreRecords.Key.config(null))))
                .isEqualTo(StoreRecords.Key.config(null));
    }
}
