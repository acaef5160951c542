package io.sluice.registry.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.registry.schema.CompatibilityLevel;
import io.sluice.registry.schema.Mode;
import io.sluice.registry.schema.SchemaReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry's state as materialized from the store topic, in topic order. Only the store's reader thread
 * changes it ({@link #apply}); request threads read it. Every method is synchronized: the state is small and
 * reads are short, so one monitor is simpler than finer locking and costs nothing measurable.
 *
 * <p>Invariants (kept by refusing records that would break them, so that every instance that reads the same
 * topic builds the same state, whatever a confused writer may have sent):
 * <ul>
 *   <li>an id names one schema content forever; a record giving a known id another content is ignored;</li>
 *   <li>a subject version, once written, keeps its id and content; only its deleted flag may change, and a
 *       tombstone removes it;</li>
 *   <li>{@link #maxId()} never decreases, even when the versions that used the highest ids are gone.</li>
 * </ul>
 */
public final class RegistryState {
    private static final Logger log = LoggerFactory.getLogger(RegistryState.class);

    private final Map<String, TreeMap<Integer, SchemaVersion>> subjects = new HashMap<>();
    private final Map<Integer, SchemaVersion.Content> contentById = new HashMap<>();
    private final Map<Integer, Set<SubjectVersion>> usagesById = new HashMap<>();
    private final Map<SchemaVersion.Content, Integer> idByContent = new HashMap<>();
    private final Map<String, CompatibilityLevel> compatibility = new HashMap<>();
    private final Map<String, Mode> modes = new HashMap<>();
    private int maxId;

    /** A (subject, version) pair, as listed by {@code GET /schemas/ids/{id}/versions}. */
    public record SubjectVersion(String subject, int version) {
    }

    /** Applies one record of the store topic; {@code value} null is a tombstone. */
    public synchronized void apply(StoreRecords.Key key, byte[] value) {
        switch (key.keytype()) {
            case StoreRecords.Key.SCHEMA -> applySchema(key, value == null ? null : StoreRecords.decodeSchema(value));
            case StoreRecords.Key.CONFIG -> {
                CompatibilityLevel level = value == null ? null
                        : CompatibilityLevel.parse(StoreRecords.tree(value).path("compatibilityLevel").asText(null));
                put(compatibility, globalKey(key.subject()), level);
            }
            case StoreRecords.Key.MODE -> {
                Mode mode = value == null ? null : Mode.parse(StoreRecords.tree(value).path("mode").asText(null));
                put(modes, globalKey(key.subject()), mode);
            }
            case StoreRecords.Key.ID_HWM -> {
                if (value != null) {
                    JsonNode node = StoreRecords.tree(value);
                    maxId = Math.max(maxId, node.path("maxId").asInt(0));
                }
            }
            default -> {
                // NOOP and other record kinds carry no state.
            }
        }
    }

    private void applySchema(StoreRecords.Key key, SchemaVersion v) {
        TreeMap<Integer, SchemaVersion> versions = subjects.get(key.subject());
        SchemaVersion existing = versions == null ? null : versions.get(key.version());
        if (v == null) {
            if (existing != null) {
                versions.remove(key.version());
                if (versions.isEmpty()) {
                    subjects.remove(key.subject());
                }
                unindex(existing);
            }
            return;
        }
        if (!v.subject().equals(key.subject()) || v.version() != key.version()) {
            log.error("Ignoring schema record whose value {}/{} does not match its key {}/{}",
                    v.subject(), v.version(), key.subject(), key.version());
            return;
        }
        if (existing != null && (existing.id() != v.id() || !existing.content().equals(v.content()))) {
            log.error("Ignoring schema record for {}/{}: that version already holds id {}",
                    v.subject(), v.version(), existing.id());
            return;
        }
        SchemaVersion.Content known = contentById.get(v.id());
        if (known != null && !known.equals(v.content())) {
            log.error("Ignoring schema record for {}/{}: id {} already names another schema",
                    v.subject(), v.version(), v.id());
            return;
        }
        subjects.computeIfAbsent(v.subject(), s -> new TreeMap<>()).put(v.version(), v);
        contentById.put(v.id(), v.content());
        usagesById.computeIfAbsent(v.id(), id -> new LinkedHashSet<>()).add(new SubjectVersion(v.subject(), v.version()));
        idByContent.merge(v.content(), v.id(), Math::min);
        maxId = Math.max(maxId, v.id());
    }

    private void unindex(SchemaVersion removed) {
        Set<SubjectVersion> usages = usagesById.get(removed.id());
        if (usages == null) {
            return;
        }
        usages.remove(new SubjectVersion(removed.subject(), removed.version()));
        if (usages.isEmpty()) {
            usagesById.remove(removed.id());
            contentById.remove(removed.id());
            idByContent.remove(removed.content(), removed.id());
        }
    }

    private static <V> void put(Map<String, V> map, String key, V value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    private static String globalKey(String subject) {
        return subject == null ? "" : subject;
    }

    // ---- queries ----

    public synchronized List<String> subjects(boolean includeDeleted) {
        Set<String> names = new TreeSet<>();
        subjects.forEach((subject, versions) -> {
            if (includeDeleted || versions.values().stream().anyMatch(v -> !v.deleted())) {
                names.add(subject);
            }
        });
        return new ArrayList<>(names);
    }

    /** Every version of {@code subject}, soft-deleted ones included, oldest first; empty if none. */
    public synchronized List<SchemaVersion> versions(String subject) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null ? List.of() : List.copyOf(versions.values());
    }

    public synchronized SchemaVersion version(String subject, int version) {
        TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null ? null : versions.get(version);
    }

    /** Any version using {@code id} (so its content), or null if no version uses it any more. */
    public synchronized SchemaVersion byId(int id) {
        Set<SubjectVersion> usages = usagesById.get(id);
        if (usages == null || usages.isEmpty()) {
            return null;
        }
        SubjectVersion first = usages.iterator().next();
        return subjects.get(first.subject()).get(first.version());
    }

    public synchronized List<SubjectVersion> usages(int id) {
        Set<SubjectVersion> usages = usagesById.get(id);
        return usages == null ? List.of() : List.copyOf(usages);
    }

    public synchronized Integer idFor(SchemaVersion.Content content) {
        return idByContent.get(content);
    }

    public synchronized int maxId() {
        return maxId;
    }

    /** Ids of the live or soft-deleted schemas that reference {@code subject} at {@code version}. */
    public synchronized List<Integer> referencedBy(String subject, int version) {
        Set<Integer> ids = new TreeSet<>();
        for (TreeMap<Integer, SchemaVersion> versions : subjects.values()) {
            for (SchemaVersion v : versions.values()) {
                for (SchemaReference ref : v.references()) {
                    if (ref.subject().equals(subject) && ref.version() == version) {
                        ids.add(v.id());
                    }
                }
            }
        }
        return new ArrayList<>(ids);
    }

    /** The compatibility level set for {@code subject} (null: the global one), or null if none is set. */
    public synchronized CompatibilityLevel compatibility(String subject) {
        return compatibility.get(globalKey(subject));
    }

    /** The mode set for {@code subject} (null: the global one), or null if none is set. */
    public synchronized Mode mode(String subject) {
        return modes.get(globalKey(subject));
    }

    public synchronized Map<String, CompatibilityLevel> compatibilityLevels() {
        return Collections.unmodifiableMap(new HashMap<>(compatibility));
    }
}
