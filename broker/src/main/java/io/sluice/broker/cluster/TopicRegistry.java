package io.sluice.broker.cluster;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.log.LogManager;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The topics this broker knows, kept in step with ZooKeeper, and the partition logs that back them.
 * Every change is written to ZooKeeper first and applied locally once that write succeeded.
 */
public final class TopicRegistry {
    private static final Logger log = LoggerFactory.getLogger(TopicRegistry.class);

    private final ClusterStore store;
    private final LogManager logs;
    private final BrokerConfig brokerConfig;
    private final int brokerId;
    private final Map<String, TopicInfo> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, TopicInfo> byId = new ConcurrentHashMap<>();
    /** Ids of topics marked for deletion: never served again, whatever ZooKeeper events arrive late. */
    private final java.util.Set<Uuid> deleting = ConcurrentHashMap.newKeySet();
    private final DeletionMarks marks;
    private volatile java.util.function.Consumer<TopicInfo> onDeleting = t -> { };

    public TopicRegistry(ClusterStore store, LogManager logs, BrokerConfig brokerConfig) {
        this.store = store;
        this.logs = logs;
        this.brokerConfig = brokerConfig;
        this.brokerId = brokerConfig.brokerId();
        this.marks = new DeletionMarks(store);
    }

    /** Loads topics from ZooKeeper, opens their local logs, and deletes logs of topics that are gone. */
    public void load() {
        long began = System.currentTimeMillis();
        // Topics being deleted are not opened; their local logs go with the other leftovers below.
        deleting.addAll(marks.all().values());
        // Topics whose node exists but cannot be read keep their logs: the node may be repaired, and a log
        // deleted on a guess cannot be brought back. An empty node is what a deletion leaves behind: gone.
        java.util.Set<String> unreadable = new java.util.HashSet<>();
        Map<String, TopicInfo> stored = store.loadTopics(e -> {
            if (!e.empty()) {
                unreadable.add(e.path().substring(e.path().lastIndexOf('/') + 1));
            }
        });
        Map<TopicPartition, LogConfig> local = new HashMap<>();
        stored.values().forEach(topic -> {
            if (deleting.contains(topic.id())) {
                return;
            }
            LogConfig config = LogConfig.of(brokerConfig, topic.configs());
            for (int p = 0; p < topic.partitionCount(); p++) {
                if (topic.replicas().get(p).contains(brokerId)) {
                    local.put(new TopicPartition(topic.name(), p), config);
                }
            }
        });
        Map<String, Uuid> ids = new HashMap<>();
        stored.values().forEach(topic -> ids.put(topic.name(), topic.id()));
        logs.openExisting(local, ids, brokerConfig.getInt(BrokerConfig.NUM_RECOVERY_THREADS_PER_DATA_DIR));
        stored.values().forEach(this::apply);
        for (TopicPartition tp : logs.partitionsOnDisk()) {
            TopicInfo topic = byName.get(tp.topic());
            if (unreadable.contains(tp.topic())) {
                log.warn("Keeping log {}: the node of its topic cannot be read", tp);
            } else if (topic == null || tp.partition() >= topic.partitionCount()) {
                log.info("Deleting log {}: its topic no longer exists", tp);
                logs.delete(tp);
            }
        }
        log.info("Loaded {} topics and {} local partition logs in {} ms", byName.size(), logs.all().size(),
                System.currentTimeMillis() - began);
    }

    public Optional<TopicInfo> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<TopicInfo> get(Uuid id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<TopicInfo> all() {
        return byName.values();
    }

    public LogConfig logConfig(String topic) {
        TopicInfo info = byName.get(topic);
        return LogConfig.of(brokerConfig, info == null ? Map.of() : info.configs());
    }

    public Optional<PartitionLog> log(TopicPartition tp) {
        return logs.get(tp);
    }

    /** The broker's logs: replication truncates through it, so that the log cleaner stays out of the way. */
    public LogManager logManager() {
        return logs;
    }

    /**
     * Validates and creates a topic; with {@code validateOnly} nothing is written. Returns once the topic
     * is in ZooKeeper, without waiting for leaders ({@link #leadersElected} does that, asynchronously).
     */
    public TopicInfo create(String name, int partitions, short replicationFactor,
                            Map<String, String> configs, boolean validateOnly) {
        if (partitions <= 0) {
            throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
        }
        return create(name, null, partitions, replicationFactor, configs, validateOnly);
    }

    /** As {@link #create(String, int, short, Map, boolean)} with an explicit replica list per partition. */
    public TopicInfo create(String name, Map<Integer, List<Integer>> assignment, Map<String, String> configs,
                            boolean validateOnly) {
        return create(name, assignment, -1, (short) -1, configs, validateOnly);
    }

    private synchronized TopicInfo create(String name, Map<Integer, List<Integer>> assignment, int partitions,
                                          short replicationFactor, Map<String, String> configs, boolean validateOnly) {
        Topic.validate(name);
        if (byName.containsKey(name) || store.readTopic(name).isPresent()) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        if (marks.markedId(name).isPresent()) {
            throw new TopicExistsException("Topic '" + name + "' is marked for deletion.");
        }
        LogConfig.validateOverrides(configs);
        List<List<Integer>> replicas = assignment != null ? ManualAssignment.forNewTopic(assignment, registeredBrokers())
                : assign(partitions, replicationFactor, 0);
        partitions = replicas.size();
        replicationFactor = (short) replicas.get(0).size();
        TopicInfo topic = new TopicInfo(name, Uuid.randomUuid(), replicas, Map.copyOf(configs));
        if (validateOnly) {
            return topic;
        }
        if (!store.createTopic(topic)) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        apply(topic);
        log.info("Created topic {} ({} partitions, replication factor {}, configs {})", name, partitions,
                replicationFactor, configs);
        return topic;
    }

    /**
     * Creates an internal topic ({@code __consumer_offsets}, {@code __transaction_state}) unless it
     * exists. As in Kafka, only once {@code replicationFactor} brokers are live: until then nothing is
     * created (empty; callers answer COORDINATOR_NOT_AVAILABLE and clients retry), because a topic
     * created with fewer replicas would stay under-replicated for good. A single node on its embedded
     * ZooKeeper ({@code singleNode}) can never have more brokers, so it creates the topic with as many
     * replicas as there are. A {@code min.insync.replicas} above the replica count is lowered to it.
     */
    /** When the "not enough brokers" warning was last logged, per internal topic (at most once a minute). */
    private final Map<String, Long> internalTopicWarnings = new java.util.HashMap<>();

    public Optional<TopicInfo> ensureInternalTopic(String name, int partitions, short replicationFactor,
                                                   Map<String, String> configs, boolean singleNode) {
        // Called for every FindCoordinator: once the topic exists, answer without the registry's lock.
        Optional<TopicInfo> existing = get(name);
        return existing.isPresent() ? existing
                : createInternalTopic(name, partitions, replicationFactor, configs, singleNode);
    }

    private synchronized Optional<TopicInfo> createInternalTopic(String name, int partitions, short replicationFactor,
                                                                 Map<String, String> configs, boolean singleNode) {
        Optional<TopicInfo> existing = get(name);
        if (existing.isPresent()) {
            return existing;
        }
        int live = store.liveBrokers().size();
        if (live < replicationFactor && !singleNode) {
            long now = System.currentTimeMillis();
            Long last = internalTopicWarnings.get(name);
            if (last == null || now - last > 60_000) {
                internalTopicWarnings.put(name, now);
                log.warn("Not creating {} yet: it needs {} live brokers (its replication factor), {} live", name,
                        replicationFactor, live);
            }
            return Optional.empty();
        }
        short rf = (short) Math.max(1, Math.min(replicationFactor, live));
        Map<String, String> effective = new java.util.HashMap<>(configs);
        effective.computeIfPresent(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                (k, v) -> String.valueOf(Math.min(Integer.parseInt(v), rf)));
        try {
            return Optional.of(create(name, partitions, rf, effective, false));
        } catch (TopicExistsException e) {
            // Another broker starting at the same moment created it first: take theirs.
            TopicInfo created = store.readTopic(name).orElseThrow(() -> e);
            apply(created);
            return Optional.of(created);
        }
    }

    /**
     * Marks a topic for deletion and stops serving it here at once; its replicas are stopped and their
     * logs removed by each broker ({@link TopicDeletions}), then the controller removes it from ZooKeeper.
     */
    public void delete(String name) {
        TopicInfo topic = byName.get(name);
        if (topic == null || !marks.mark(topic)) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        hide(topic);
        log.info("Topic {} marked for deletion", name);
        onDeleting.accept(topic);
    }

    /** Called when a topic stops being served because it is being deleted. */
    public void onDeleting(java.util.function.Consumer<TopicInfo> hook) {
        this.onDeleting = hook;
    }

    private void hide(TopicInfo topic) {
        deleting.add(topic.id());
        byName.computeIfPresent(topic.name(), (k, v) -> v.id().equals(topic.id()) ? null : v);
        byId.remove(topic.id());
    }

    /**
     * Stops serving the topic of that name and id, which is marked for deletion. Returns it (from this
     * broker's view, else from ZooKeeper), or empty when it is unknown or the name now holds another topic.
     */
    Optional<TopicInfo> beginDeletion(String name, Uuid id) {
        deleting.add(id);
        TopicInfo known = byName.get(name);
        if (known != null && known.id().equals(id)) {
            hide(known);
            return Optional.of(known);
        }
        try {
            Optional<TopicInfo> stored = store.readTopic(name).filter(t -> t.id().equals(id));
            stored.ifPresent(this::hide);
            return stored;
        } catch (UnreadableNodeException e) {
            store.reportOnce(e.path(), e.getMessage(), e.getCause());
            return Optional.empty();
        }
    }

    /** Removes this broker's logs of a topic being deleted; a log already gone is not an error. */
    void deleteLocalLogs(TopicInfo topic) {
        if (byName.containsKey(topic.name())) {
            return; // re-created meanwhile: the logs of that name are the new topic's
        }
        for (int p = 0; p < topic.partitionCount(); p++) {
            logs.delete(new TopicPartition(topic.name(), p));
        }
    }

    /** Adds partitions, placed round-robin or (non-null {@code assignments}) as given. */
    public synchronized void addPartitions(String name, int totalCount, List<List<Integer>> assignments,
                                           boolean validateOnly) {
        update(name, validateOnly, topic -> {
            if (totalCount < topic.partitionCount()) {
                throw new InvalidPartitionsException("The topic " + name + " currently has " + topic.partitionCount()
                        + " partition(s); " + totalCount + " would not be an increase.");
            }
            if (totalCount == topic.partitionCount()) {
                throw new InvalidPartitionsException("Topic already has " + totalCount + " partition(s).");
            }
            int additional = totalCount - topic.partitionCount();
            List<List<Integer>> replicas = new ArrayList<>(topic.replicas());
            replicas.addAll(assignments != null
                    ? ManualAssignment.forNewPartitions(assignments, additional, topic.replicationFactor(), registeredBrokers())
                    : assign(additional, topic.replicationFactor(), topic.partitionCount()));
            return new TopicInfo(name, topic.id(), replicas, topic.configs());
        });
        if (!validateOnly) {
            log.info("Topic {} now has {} partitions", name, totalCount);
        }
    }

    /**
     * Writes {@code change} of the topic as ZooKeeper holds it now, conditional on that node version, and
     * applies the result here. The change is computed from the stored node, not from this broker's copy
     * (which may lag behind another broker's or the controller's write); a lost race re-reads and recomputes.
     */
    private void update(String name, boolean validateOnly, java.util.function.UnaryOperator<TopicInfo> change) {
        TopicInfo known = byName.get(name);
        if (known == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        for (int attempt = 1; ; attempt++) {
            Optional<ClusterStore.VersionedTopic> stored = store.readTopicVersioned(name)
                    .filter(v -> v.topic().id().equals(known.id()));
            if (stored.isEmpty() || deleting.contains(known.id())) {
                throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
            }
            TopicInfo updated = change.apply(stored.get().topic());
            if (validateOnly) {
                return;
            }
            try {
                store.updateTopic(updated, stored.get().zkVersion());
            } catch (ClusterStore.ConcurrentTopicUpdateException e) {
                if (attempt >= 5) {
                    throw e;
                }
                continue;
            }
            apply(updated);
            return;
        }
    }

    public void addPartitions(String name, int totalCount, boolean validateOnly) {
        addPartitions(name, totalCount, null, validateOnly);
    }

    private java.util.Set<Integer> registeredBrokers() {
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        store.liveBrokers().forEach(b -> ids.add(b.id()));
        return ids;
    }

    /** Replaces the topic's config overrides with {@code configs}. */
    public synchronized void setConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        if (!byName.containsKey(name)) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        LogConfig.validateOverrides(configs);
        update(name, validateOnly, topic -> new TopicInfo(name, topic.id(), topic.replicas(), Map.copyOf(configs)));
        if (!validateOnly) {
            log.info("Topic {} configs are now {}", name, configs);
        }
    }

    /** Pushes each local log its topic's settings again, after the broker-level defaults changed. */
    public void reapplyLogConfigs() {
        for (TopicInfo topic : byName.values()) {
            LogConfig config = LogConfig.of(brokerConfig, topic.configs());
            for (int p = 0; p < topic.partitionCount(); p++) {
                logs.get(new TopicPartition(topic.name(), p)).ifPresent(l -> l.updateConfig(config));
            }
        }
    }

    /**
     * Completes (true) once every partition of the topic has a leader, or (false) after {@code timeoutMs}.
     * Nothing waits in a thread meanwhile: the states are polled on a delayed executor.
     */
    public CompletableFuture<Boolean> leadersElected(TopicInfo topic, long timeoutMs) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        pollLeaders(topic, System.currentTimeMillis() + timeoutMs, done);
        return done;
    }

    private void pollLeaders(TopicInfo topic, long deadline, CompletableFuture<Boolean> done) {
        boolean all = true;
        for (int p = 0; p < topic.partitionCount() && all; p++) {
            all = leaders.apply(new TopicPartition(topic.name(), p)).orElse(-1) >= 0;
        }
        if (all || System.currentTimeMillis() >= deadline) {
            done.complete(all);
            return;
        }
        CompletableFuture.runAsync(() -> pollLeaders(topic, deadline, done),
                CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS));
    }

    private volatile java.util.function.Function<TopicPartition, Optional<Integer>> leaders = tp -> Optional.empty();

    /** Where {@link #leadersElected} learns partition leaders (the replica manager's view of ZooKeeper). */
    public void leadersFrom(java.util.function.Function<TopicPartition, Optional<Integer>> leaders) {
        this.leaders = leaders;
    }

    /**
     * Re-reads a topic from ZooKeeper after another broker changed it: opens logs for newly assigned
     * local replicas, or forgets the topic when it is gone: {@code stopReplicas} stops its local replicas
     * first (no append, fetch or acks=all wait may still use a log), then its local logs are deleted.
     */
    public void refreshFromStore(String name, java.util.function.Consumer<String> stopReplicas) {
        Optional<TopicInfo> stored;
        try {
            stored = store.readTopic(name);
        } catch (UnreadableNodeException e) {
            store.reportOnce(e.path(), e.getMessage(), e.getCause());
            return;
        }
        if (stored.isPresent()) {
            TopicInfo known = byName.get(name);
            if (known != null && !known.id().equals(stored.get().id())) {
                // Deleted and re-created while this broker missed the deletion: the local replicas and logs
                // are the earlier topic's and must not be served as the new one's.
                log.info("Topic {} was re-created (id {}, was {}); removing the earlier topic's local logs", name,
                        stored.get().id(), known.id());
                byName.remove(name);
                byId.remove(known.id());
                stopReplicas.accept(name);
                for (int p = 0; p < known.partitionCount(); p++) {
                    logs.delete(new TopicPartition(name, p));
                }
                known = null;
            }
            if (!stored.get().equals(known)) {
                apply(stored.get());
            }
            return;
        }
        // Gone without this broker having seen it marked (a topic it hosts no replica of, say).
        TopicInfo gone = byName.remove(name);
        if (gone != null) {
            byId.remove(gone.id());
            stopReplicas.accept(name);
            for (int p = 0; p < gone.partitionCount(); p++) {
                logs.delete(new TopicPartition(name, p));
            }
            log.info("Topic {} was deleted", name);
        }
    }

    private void apply(TopicInfo topic) {
        if (deleting.contains(topic.id())) {
            return;
        }
        // Logs first, then the topic becomes visible: a reader that finds the topic (the replica
        // manager applying a partition state that raced ahead of this) must find its logs too.
        TopicInfo before = byName.get(topic.name());
        LogConfig config = LogConfig.of(brokerConfig, topic.configs());
        for (int p = 0; p < topic.partitionCount(); p++) {
            if (topic.replicas().get(p).contains(brokerId)) {
                PartitionLog partitionLog = logs.getOrCreate(new TopicPartition(topic.name(), p), topic.id(), tp -> config);
                partitionLog.updateConfig(config);
            } else if (before != null && p < before.partitionCount() && before.replicas().get(p).contains(brokerId)) {
                // Reassigned away from this broker.
                log.info("Deleting log {}-{}: no longer a replica here", topic.name(), p);
                logs.delete(new TopicPartition(topic.name(), p));
            }
        }
        byName.put(topic.name(), topic);
        byId.put(topic.id(), topic);
    }

    /**
     * Round-robin over live brokers, starting at a partition-dependent broker as Kafka does. When brokers
     * have a {@code broker.rack}, the list is first interleaved by rack (a0, b0, c0, a1, ...), so that a
     * partition's consecutive replicas sit on different racks.
     */
    private List<List<Integer>> assign(int partitions, short replicationFactor, int firstPartition) {
        List<Integer> brokers = rackAlternated(store.liveBrokers());
        if (brokers.isEmpty()) {
            brokers = List.of(brokerId);
        }
        if (replicationFactor <= 0 || replicationFactor > brokers.size()) {
            throw new InvalidReplicationFactorException("Replication factor: " + replicationFactor
                    + " larger than available brokers: " + brokers.size() + ".");
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int p = firstPartition; p < firstPartition + partitions; p++) {
            List<Integer> replicas = new ArrayList<>();
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(brokers.get((p + r) % brokers.size()));
            }
            out.add(List.copyOf(replicas));
        }
        return out;
    }

    static List<Integer> rackAlternated(List<ClusterStore.BrokerRegistration> live) {
        List<ClusterStore.BrokerRegistration> sorted = new ArrayList<>(live);
        sorted.sort(java.util.Comparator.comparingInt(ClusterStore.BrokerRegistration::id));
        if (sorted.stream().allMatch(b -> b.rack() == null)) {
            return sorted.stream().map(ClusterStore.BrokerRegistration::id).toList();
        }
        java.util.TreeMap<String, java.util.ArrayDeque<Integer>> byRack = new java.util.TreeMap<>();
        for (ClusterStore.BrokerRegistration b : sorted) {
            byRack.computeIfAbsent(b.rack() == null ? "" : b.rack(), r -> new java.util.ArrayDeque<>()).add(b.id());
        }
        List<Integer> out = new ArrayList<>();
        while (out.size() < sorted.size()) {
            for (java.util.ArrayDeque<Integer> ids : byRack.values()) {
                if (!ids.isEmpty()) {
                    out.add(ids.poll());
                }
            }
        }
        return out;
    }

    public Map<String, TopicInfo> snapshot() {
        return new HashMap<>(byName);
    }
}
