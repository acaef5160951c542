package io.sluice.registry;

import io.sluice.registry.api.ErrorCode;
import io.sluice.registry.api.RegistryException;
import io.sluice.registry.schema.AvroSchemas;
import io.sluice.registry.schema.CompatibilityLevel;
import io.sluice.registry.schema.Mode;
import io.sluice.registry.schema.SchemaReference;
import io.sluice.registry.store.KafkaStore;
import io.sluice.registry.store.RegistryState;
import io.sluice.registry.store.SchemaVersion;
import io.sluice.registry.store.StoreRecords;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the REST API does, independent of HTTP: reads answer from the materialized state; writes (which the REST
 * layer only lets through on the leader) are decided under one lock, after reading the store to its end, then
 * written to the store and answered once read back.
 */
public final class RegistryService {
    public static final int LATEST = -1;

    private final KafkaStore store;
    private final RegistryState state;
    private final CompatibilityLevel defaultCompatibility;
    private final long timeoutMs;
    private final ReentrantLock writeLock = new ReentrantLock();

    public RegistryService(KafkaStore store, RegistryConfig config) {
        this.store = store;
        this.state = store.state();
        this.defaultCompatibility = config.defaultCompatibility;
        this.timeoutMs = config.storeTimeoutMs;
    }

    /** A registration request: schema text, type, references and (IMPORT mode only) a given id and version. */
    public record Registration(String schema, String schemaType, List<SchemaReference> references,
                               Integer id, Integer version) {
        public Registration {
            schemaType = schemaType == null ? AvroSchemas.TYPE : schemaType;
            references = references == null ? List.of() : List.copyOf(references);
        }

        public static Registration of(String schema) {
            return new Registration(schema, null, null, null, null);
        }
    }

    // ---- parsing ----

    /** Parses a schema and everything it references. @throws RegistryException 42201 if it cannot. */
    public AvroSchemas.Parsed parse(String text, String schemaType, List<SchemaReference> references) {
        if (schemaType != null && !AvroSchemas.TYPE.equals(schemaType)) {
            throw RegistryException.invalidSchema("Unsupported schema type " + schemaType + "; this registry supports "
                    + AvroSchemas.TYPE);
        }
        List<String> referenced = resolveReferences(references);
        try {
            return AvroSchemas.parse(text, referenced);
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidSchema(e.getMessage());
        }
    }

    private AvroSchemas.Parsed parse(SchemaVersion stored) {
        return parse(stored.schema(), stored.schemaType(), stored.references());
    }

    private List<String> resolveReferences(List<SchemaReference> references) {
        Map<String, String> texts = new LinkedHashMap<>();
        collect(references, texts, new HashSet<>());
        return new ArrayList<>(texts.values());
    }

    private void collect(List<SchemaReference> references, Map<String, String> into, Set<String> visiting) {
        for (SchemaReference ref : references) {
            if (ref.name() == null || ref.subject() == null) {
                throw RegistryException.invalidSchema("Invalid reference " + ref + ": name and subject are required");
            }
            SchemaVersion target = ref.version() == LATEST ? latestLive(ref.subject()) : state.version(ref.subject(), ref.version());
            if (target == null) {
                throw RegistryException.invalidSchema("Invalid schema: reference " + ref.subject() + " version "
                        + ref.version() + " not found");
            }
            String key = target.subject() + "\u0000" + target.version();
            if (into.containsKey(key)) {
                continue;
            }
            if (!visiting.add(key)) {
                throw RegistryException.invalidSchema("Circular schema reference through " + ref.subject());
            }
            collect(target.references(), into, visiting);
            into.put(key, target.schema());
        }
    }

    // ---- reads ----

    public List<String> subjects(String prefix, boolean includeDeleted) {
        List<String> all = state.subjects(includeDeleted);
        if (prefix == null || prefix.isEmpty()) {
            return all;
        }
        return all.stream().filter(s -> s.startsWith(prefix)).toList();
    }

    private List<SchemaVersion> visible(String subject, boolean includeDeleted) {
        List<SchemaVersion> all = state.versions(subject);
        return includeDeleted ? all : all.stream().filter(v -> !v.deleted()).toList();
    }

    private SchemaVersion latestLive(String subject) {
        List<SchemaVersion> live = visible(subject, false);
        return live.isEmpty() ? null : live.get(live.size() - 1);
    }

    public List<Integer> versions(String subject, boolean includeDeleted) {
        List<SchemaVersion> versions = visible(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return versions.stream().map(SchemaVersion::version).toList();
    }

    public SchemaVersion version(String subject, String versionText, boolean includeDeleted) {
        int version = parseVersion(versionText);
        List<SchemaVersion> versions = visible(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        if (version == LATEST) {
            return versions.get(versions.size() - 1);
        }
        return versions.stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> RegistryException.versionNotFound(subject, version));
    }

    public SchemaVersion schemaById(int id) {
        SchemaVersion v = state.byId(id);
        if (v == null) {
            throw RegistryException.schemaNotFound("Schema " + id + " not found");
        }
        return v;
    }

    public List<RegistryState.SubjectVersion> idUsages(int id, boolean includeDeleted) {
        schemaById(id);
        List<RegistryState.SubjectVersion> usages = new ArrayList<>();
        for (RegistryState.SubjectVersion usage : state.usages(id)) {
            SchemaVersion v = state.version(usage.subject(), usage.version());
            if (v != null && (includeDeleted || !v.deleted())) {
                usages.add(usage);
            }
        }
        return usages;
    }

    public List<Integer> referencedBy(String subject, String versionText) {
        SchemaVersion v = version(subject, versionText, true);
        return state.referencedBy(subject, v.version());
    }

    /** The version of {@code subject} that holds this schema. */
    public SchemaVersion lookup(String subject, Registration request, boolean includeDeleted) {
        List<SchemaVersion> versions = visible(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        AvroSchemas.Parsed parsed = parse(request.schema(), request.schemaType(), request.references());
        SchemaVersion.Content content = new SchemaVersion.Content(parsed.canonical(), AvroSchemas.TYPE, request.references());
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).content().equals(content)) {
                return versions.get(i);
            }
        }
        throw RegistryException.schemaNotFound("Schema not found");
    }

    /** Why the schema may not be registered as the next version (or against {@code versionText}); empty if it may. */
    public List<String> testCompatibility(String subject, String versionText, Registration request) {
        int version = parseVersion(versionText);
        AvroSchemas.Parsed candidate = parse(request.schema(), request.schemaType(), request.references());
        List<SchemaVersion> live = visible(subject, false);
        CompatibilityLevel level = effectiveCompatibility(subject);
        if (version != LATEST) {
            SchemaVersion against = version(subject, versionText, false);
            CompatibilityLevel single = level.transitive ? CompatibilityLevel.valueOf(level.name().replace("_TRANSITIVE", "")) : level;
            return AvroSchemas.incompatibilities(candidate.schema(), List.of(parse(against).schema()), single);
        }
        return AvroSchemas.incompatibilities(candidate.schema(), newestFirst(live), level);
    }

    private List<Schema> newestFirst(List<SchemaVersion> versions) {
        List<Schema> schemas = new ArrayList<>();
        for (int i = versions.size() - 1; i >= 0; i--) {
            schemas.add(parse(versions.get(i)).schema());
        }
        return schemas;
    }

    public CompatibilityLevel effectiveCompatibility(String subject) {
        CompatibilityLevel level = subject == null ? null : state.compatibility(subject);
        if (level == null) {
            level = state.compatibility(null);
        }
        return level == null ? defaultCompatibility : level;
    }

    /** The level set for the subject; null subject: the global one (with the configured default). */
    public CompatibilityLevel compatibility(String subject, boolean defaultToGlobal) {
        if (subject == null) {
            return effectiveCompatibility(null);
        }
        CompatibilityLevel level = state.compatibility(subject);
        if (level == null) {
            if (defaultToGlobal) {
                return effectiveCompatibility(null);
            }
            throw new RegistryException(ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        return level;
    }

    public Mode effectiveMode(String subject) {
        Mode mode = subject == null ? null : state.mode(subject);
        if (mode == null) {
            mode = state.mode(null);
        }
        return mode == null ? Mode.READWRITE : mode;
    }

    public Mode mode(String subject, boolean defaultToGlobal) {
        if (subject == null) {
            return effectiveMode(null);
        }
        Mode mode = state.mode(subject);
        if (mode == null) {
            if (defaultToGlobal) {
                return effectiveMode(null);
            }
            throw new RegistryException(ErrorCode.SUBJECT_MODE_NOT_CONFIGURED,
                    "Subject '" + subject + "' does not have subject-level mode configured");
        }
        return mode;
    }

    // ---- writes (leader only) ----

    public int register(String subject, Registration request) {
        return underWriteLock(() -> {
            Mode mode = effectiveMode(subject);
            if (!mode.allowsWrites()) {
                throw new RegistryException(ErrorCode.OPERATION_NOT_PERMITTED, "Subject " + subject + " is in read-only mode");
            }
            AvroSchemas.Parsed parsed = parse(request.schema(), request.schemaType(), request.references());
            SchemaVersion.Content content = new SchemaVersion.Content(parsed.canonical(), AvroSchemas.TYPE, request.references());
            List<SchemaVersion> all = state.versions(subject);
            List<SchemaVersion> live = all.stream().filter(v -> !v.deleted()).toList();
            for (SchemaVersion v : live) {
                if (v.content().equals(content)) {
                    if (request.id() != null && request.id() >= 0 && request.id() != v.id()) {
                        throw new RegistryException(ErrorCode.ID_DOES_NOT_MATCH, "Schema already registered with id "
                                + v.id() + " instead of input id " + request.id());
                    }
                    return v.id();
                }
            }
            if (mode != Mode.IMPORT) {
                List<String> problems = AvroSchemas.incompatibilities(parsed.schema(), newestFirst(live),
                        effectiveCompatibility(subject));
                if (!problems.isEmpty()) {
                    throw new RegistryException(ErrorCode.INCOMPATIBLE_SCHEMA, "Schema being registered is incompatible "
                            + "with an earlier schema for subject \"" + subject + "\", details: " + problems);
                }
            }
            Integer known = state.idFor(content);
            int id;
            if (request.id() != null && request.id() >= 0) {
                SchemaVersion holder = state.byId(request.id());
                if (mode != Mode.IMPORT && (known == null || known.intValue() != request.id())) {
                    throw new RegistryException(ErrorCode.OPERATION_NOT_PERMITTED,
                            "Registering a schema with a given id is only allowed in IMPORT mode");
                }
                if (holder != null && !holder.content().equals(content)) {
                    throw new RegistryException(ErrorCode.ID_DOES_NOT_MATCH,
                            "Schema id " + request.id() + " is already used by a different schema");
                }
                id = request.id();
            } else {
                id = known != null ? known : state.maxId() + 1;
            }
            int version = all.isEmpty() ? 1 : all.get(all.size() - 1).version() + 1;
            if (request.version() != null && request.version() > 0) {
                if (mode != Mode.IMPORT) {
                    if (request.version() != version) {
                        throw new RegistryException(ErrorCode.INVALID_VERSION, "Version " + request.version()
                                + " is not the next version " + version + " of subject " + subject);
                    }
                } else if (state.version(subject, request.version()) != null) {
                    throw new RegistryException(ErrorCode.OPERATION_NOT_PERMITTED, "Version " + request.version()
                            + " of subject " + subject + " already exists");
                }
                version = request.version();
            }
            SchemaVersion record = new SchemaVersion(subject, version, id, parsed.canonical(), AvroSchemas.TYPE,
                    request.references(), false);
            store.write(List.of(new KafkaStore.Write(StoreRecords.Key.schema(subject, version),
                    StoreRecords.encodeSchema(record))));
            SchemaVersion applied = state.version(subject, version);
            if (applied == null || applied.id() != id || !applied.content().equals(content)) {
                // Another writer (a deposed leader) got there first; the topic's order decided against us.
                repair(subject, version, applied);
                throw new RegistryException(ErrorCode.STORE_ERROR, "Conflicting concurrent write for subject "
                        + subject + "; retry the registration");
            }
            return id;
        });
    }

    /** Re-asserts the winning value of a key so that compaction cannot later prefer the rejected one. */
    private void repair(String subject, int version, SchemaVersion winner) {
        if (winner != null) {
            store.write(List.of(new KafkaStore.Write(StoreRecords.Key.schema(subject, version),
                    StoreRecords.encodeSchema(winner))));
        }
    }

    public List<Integer> deleteSubject(String subject, boolean permanent) {
        return underWriteLock(() -> {
            requireWritable(subject);
            List<SchemaVersion> all = state.versions(subject);
            if (all.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            List<SchemaVersion> live = all.stream().filter(v -> !v.deleted()).toList();
            List<KafkaStore.Write> writes = new ArrayList<>();
            if (!permanent) {
                if (live.isEmpty()) {
                    throw new RegistryException(ErrorCode.SUBJECT_SOFT_DELETED, "Subject '" + subject
                            + "' was soft deleted. Set permanent=true to delete permanently");
                }
                for (SchemaVersion v : live) {
                    requireUnreferenced(v);
                    writes.add(new KafkaStore.Write(StoreRecords.Key.schema(subject, v.version()),
                            StoreRecords.encodeSchema(v.withDeleted(true))));
                }
                store.write(writes);
                return live.stream().map(SchemaVersion::version).toList();
            }
            if (!live.isEmpty()) {
                throw new RegistryException(ErrorCode.SUBJECT_NOT_SOFT_DELETED, "Subject '" + subject
                        + "' was not deleted first before being permanently deleted");
            }
            all.forEach(this::requireUnreferenced);
            writes.add(new KafkaStore.Write(StoreRecords.Key.idHighWater(), StoreRecords.encodeMaxId(state.maxId())));
            for (SchemaVersion v : all) {
                writes.add(new KafkaStore.Write(StoreRecords.Key.schema(subject, v.version()), null));
            }
            store.write(writes);
            return all.stream().map(SchemaVersion::version).toList();
        });
    }

    public int deleteVersion(String subject, String versionText, boolean permanent) {
        return underWriteLock(() -> {
            requireWritable(subject);
            int requested = parseVersion(versionText);
            if (state.versions(subject).isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            SchemaVersion v = requested == LATEST ? latestLive(subject) : state.version(subject, requested);
            if (v == null) {
                throw RegistryException.versionNotFound(subject, versionText);
            }
            requireUnreferenced(v);
            if (!permanent) {
                if (v.deleted()) {
                    throw new RegistryException(ErrorCode.VERSION_SOFT_DELETED, "Subject '" + subject + "' Version "
                            + v.version() + " was soft deleted. Set permanent=true to delete permanently");
                }
                store.write(List.of(new KafkaStore.Write(StoreRecords.Key.schema(subject, v.version()),
                        StoreRecords.encodeSchema(v.withDeleted(true)))));
                return v.version();
            }
            if (!v.deleted()) {
                throw new RegistryException(ErrorCode.VERSION_NOT_SOFT_DELETED, "Subject '" + subject + "' Version "
                        + v.version() + " was not deleted first before being permanently deleted");
            }
            store.write(List.of(
                    new KafkaStore.Write(StoreRecords.Key.idHighWater(), StoreRecords.encodeMaxId(state.maxId())),
                    new KafkaStore.Write(StoreRecords.Key.schema(subject, v.version()), null)));
            return v.version();
        });
    }

    private void requireUnreferenced(SchemaVersion v) {
        List<Integer> users = state.referencedBy(v.subject(), v.version());
        if (!users.isEmpty()) {
            throw new RegistryException(ErrorCode.REFERENCE_EXISTS, "One or more references exist to the schema {subject="
                    + v.subject() + ", version=" + v.version() + "}: ids " + users);
        }
    }

    private void requireWritable(String subject) {
        if (!effectiveMode(subject).allowsWrites()) {
            throw new RegistryException(ErrorCode.OPERATION_NOT_PERMITTED, "Subject " + subject + " is in read-only mode");
        }
    }

    /** Sets (level non-null) or clears the compatibility level of a subject or (null) the global one. */
    public CompatibilityLevel setCompatibility(String subject, CompatibilityLevel level) {
        return underWriteLock(() -> {
            CompatibilityLevel previous = state.compatibility(subject);
            if (level == null && subject != null && previous == null) {
                throw new RegistryException(ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                        "Subject '" + subject + "' does not have subject-level compatibility configured");
            }
            store.write(List.of(new KafkaStore.Write(StoreRecords.Key.config(subject),
                    level == null ? null : StoreRecords.encodeField("compatibilityLevel", level.name()))));
            return previous == null ? effectiveCompatibility(null) : previous;
        });
    }

    /** Sets (mode non-null) or clears the mode of a subject or (null) the global one; returns the previous one. */
    public Mode setMode(String subject, Mode mode, boolean force) {
        return underWriteLock(() -> {
            Mode previous = state.mode(subject);
            if (mode == null && subject != null && previous == null) {
                throw new RegistryException(ErrorCode.SUBJECT_MODE_NOT_CONFIGURED,
                        "Subject '" + subject + "' does not have subject-level mode configured");
            }
            if (mode == Mode.IMPORT && !force) {
                boolean hasSchemas = subject == null ? !state.subjects(true).isEmpty() : !state.versions(subject).isEmpty();
                if (hasSchemas) {
                    throw new RegistryException(ErrorCode.OPERATION_NOT_PERMITTED,
                            "Cannot import since found existing subjects; use force=true to switch to IMPORT anyway");
                }
            }
            store.write(List.of(new KafkaStore.Write(StoreRecords.Key.mode(subject),
                    mode == null ? null : StoreRecords.encodeField("mode", mode.name()))));
            return previous == null ? Mode.READWRITE : previous;
        });
    }

    private interface Action<T> {
        T run();
    }

    private <T> T underWriteLock(Action<T> action) {
        writeLock.lock();
        try {
            // A new leader must see every write of the previous one before deciding ids and versions.
            store.syncToEnd(timeoutMs);
            return action.run();
        } finally {
            writeLock.unlock();
        }
    }

    /** "latest", -1 or 1..2^31-1. @throws RegistryException 42202 otherwise */
    public static int parseVersion(String text) {
        if (text == null || "latest".equalsIgnoreCase(text.trim())) {
            return LATEST;
        }
        try {
            int version = Integer.parseInt(text.trim());
            if (version == LATEST || version > 0) {
                return version;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new RegistryException(ErrorCode.INVALID_VERSION, "The specified version '" + text + "' is not a valid "
                + "version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }
}
