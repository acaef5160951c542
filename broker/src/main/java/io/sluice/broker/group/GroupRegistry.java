package io.sluice.broker.group;

import org.apache.kafka.common.protocol.Errors;

import java.time.Clock;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The groups this coordinator owns, and which {@code __consumer_offsets} partitions are loaded. A
 * group is reachable here from creation until it turns {@link GroupState#DEAD}.
 */
final class GroupRegistry {
    final GroupConfig config;
    final GroupStore store;
    private final Clock clock;
    private final ConcurrentMap<String, ClassicGroup> groups = new ConcurrentHashMap<>();
    private final Set<Integer> loadedPartitions = ConcurrentHashMap.newKeySet();
    /** With replication: the partitions this broker leads; null while it coordinates every partition. */
    private volatile Set<Integer> ownedPartitions;

    GroupRegistry(GroupConfig config, GroupStore store, Clock clock) {
        this.config = config;
        this.store = store;
        this.clock = clock;
    }

    long now() {
        return clock.millis();
    }

    /** NONE if requests for this group can be served now. */
    Errors check(String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        int partition = store.partitionFor(groupId);
        Set<Integer> owned = ownedPartitions;
        if (owned != null && !owned.contains(partition)) {
            return Errors.NOT_COORDINATOR;
        }
        if (!loadedPartitions.contains(partition)) {
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    boolean isLoaded(int partition) {
        return loadedPartitions.contains(partition);
    }

    boolean allLoaded() {
        Set<Integer> owned = ownedPartitions;
        return owned != null ? loadedPartitions.containsAll(owned) : loadedPartitions.size() == store.numPartitions();
    }

    /** From now on only partitions passed to {@link #own} are coordinated here. */
    void followLeadership() {
        if (ownedPartitions == null) {
            ownedPartitions = ConcurrentHashMap.newKeySet();
        }
    }

    void own(int partition) {
        ownedPartitions.add(partition);
    }

    boolean owns(int partition) {
        Set<Integer> owned = ownedPartitions;
        return owned == null || owned.contains(partition);
    }

    /** Forgets a partition this broker no longer leads, and its groups. */
    void unload(int partition) {
        Set<Integer> owned = ownedPartitions;
        if (owned != null) {
            owned.remove(partition);
        }
        loadedPartitions.remove(partition);
        groups.values().removeIf(g -> store.partitionFor(g.groupId) == partition);
    }

    void markLoaded(int partition) {
        loadedPartitions.add(partition);
    }

    ClassicGroup get(String groupId) {
        return groups.get(groupId);
    }

    ClassicGroup getOrCreate(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, GroupState.EMPTY, now()));
    }

    void put(ClassicGroup group) {
        groups.put(group.groupId, group);
    }

    /** Call with the group's lock held, after it turned DEAD. */
    void removeDead(ClassicGroup group) {
        groups.remove(group.groupId, group);
    }

    Collection<ClassicGroup> all() {
        return groups.values();
    }
}
