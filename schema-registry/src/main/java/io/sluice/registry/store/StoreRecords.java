package io.sluice.registry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.registry.schema.AvroSchemas;
import io.sluice.registry.schema.SchemaReference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The records of the store topic, in the JSON layout Confluent Schema Registry uses for its {@code _schemas}
 * topic, so that the topic reads naturally to anyone who knows that one.
 *
 * <pre>
 * key {"keytype":"SCHEMA","subject":S,"version":V,"magic":1} value {"subject","version","id","schema",
 *      "schemaType"?,"references"?,"deleted"}                 null value: version permanently deleted
 * key {"keytype":"CONFIG","subject":S|null,"magic":0}        value {"compatibilityLevel":L}, null: cleared
 * key {"keytype":"MODE","subject":S|null,"magic":0}          value {"mode":M}, null: cleared
 * key {"keytype":"ID_HWM","magic":0}                         value {"maxId":N}
 * </pre>
 *
 * ID_HWM is Sluice's own: written before a permanent delete so that, once compaction has removed the
 * tombstoned versions, the highest id ever given out is still known and never handed out again.
 * Keys are written with a fixed attribute order so equal keys are equal bytes, which compaction relies on.
 */
public final class StoreRecords {
    static final ObjectMapper JSON = new ObjectMapper();

    private StoreRecords() {
    }

    /** A decoded key. {@code subject} is null for the global CONFIG/MODE and for ID_HWM. */
    public record Key(String keytype, String subject, int version) {
        public static final String SCHEMA = "SCHEMA";
        public static final String CONFIG = "CONFIG";
        public static final String MODE = "MODE";
        public static final String ID_HWM = "ID_HWM";

        public static Key schema(String subject, int version) {
            return new Key(SCHEMA, subject, version);
        }

        public static Key config(String subject) {
            return new Key(CONFIG, subject, 0);
        }

        public static Key mode(String subject) {
            return new Key(MODE, subject, 0);
        }

        public static Key idHighWater() {
            return new Key(ID_HWM, null, 0);
        }
    }

    public static byte[] encodeKey(Key key) {
        ObjectNode node = JSON.createObjectNode();
        node.put("keytype", key.keytype());
        if (!Key.ID_HWM.equals(key.keytype())) {
            node.put("subject", key.subject());
        }
        if (Key.SCHEMA.equals(key.keytype())) {
            node.put("version", key.version());
            node.put("magic", 1);
        } else {
            node.put("magic", 0);
        }
        return bytes(node);
    }

    public static Key decodeKey(byte[] bytes) {
        JsonNode node = tree(bytes);
        String keytype = node.path("keytype").asText("");
        JsonNode subject = node.get("subject");
        return new Key(keytype, subject == null || subject.isNull() ? null : subject.asText(),
                node.path("version").asInt(0));
    }

    public static byte[] encodeSchema(SchemaVersion v) {
        ObjectNode node = JSON.createObjectNode();
        node.put("subject", v.subject());
        node.put("version", v.version());
        node.put("id", v.id());
        node.put("schema", v.schema());
        if (!AvroSchemas.TYPE.equals(v.schemaType())) {
            node.put("schemaType", v.schemaType());
        }
        if (!v.references().isEmpty()) {
            node.set("references", JSON.valueToTree(v.references()));
        }
        node.put("deleted", v.deleted());
        return bytes(node);
    }

    public static SchemaVersion decodeSchema(byte[] bytes) {
        JsonNode node = tree(bytes);
        List<SchemaReference> references = List.of();
        if (node.hasNonNull("references")) {
            references = JSON.convertValue(node.get("references"), new TypeReference<List<SchemaReference>>() { });
        }
        return new SchemaVersion(node.get("subject").asText(), node.get("version").asInt(), node.get("id").asInt(),
                node.get("schema").asText(), node.path("schemaType").asText(AvroSchemas.TYPE), references,
                node.path("deleted").asBoolean(false));
    }

    public static byte[] encodeField(String field, String value) {
        ObjectNode node = JSON.createObjectNode();
        node.put(field, value);
        return bytes(node);
    }

    public static byte[] encodeMaxId(int maxId) {
        ObjectNode node = JSON.createObjectNode();
        node.put("maxId", maxId);
        return bytes(node);
    }

    static JsonNode tree(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
