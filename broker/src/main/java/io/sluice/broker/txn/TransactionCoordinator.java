package io.sluice.broker.txn;

import io.sluice.broker.replication.CoordinatorWriteErrors;
import io.sluice.transactions.coordinator.TransactionFilter;
import io.sluice.transactions.coordinator.TransactionMetadata;
import io.sluice.transactions.coordinator.TransactionState;
import io.sluice.transactions.coordinator.TransactionStateMachine;
import io.sluice.transactions.coordinator.TxnDecision;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The transaction coordinator (KIP-98, transaction protocol v1) for the {@code __transaction_state}
 * partitions this broker leads: the cache of {@link TransactionMetadata} per transactional id, the
 * state changes the {@link TransactionStateMachine} decides, their persistence, and the completion of
 * prepared transactions (markers, then Complete*). It follows leadership: a partition's ids are
 * loaded when this broker becomes its leader ({@link #onBecomeLeader}) and forgotten when it stops
 * ({@link #onResign}); the leader epoch is the coordinator epoch stamped on markers.
 *
 * <p>Invariants: a metadata value becomes current only after its record was replicated to the
 * in-sync replicas of the transaction log, so every answer a client got survives the loss of this
 * broker; while a record is being written the id is busy and requests get CONCURRENT_TRANSACTIONS
 * (clients retry); while an id is PrepareCommit/PrepareAbort its markers are being written (or will be
 * by whichever broker loads it next), and the id leaves Prepare* only once every marker is written.
 *
 * <p>An id idle for {@code transactional.id.expiration.ms} with no transaction in flight expires: its
 * Dead state is persisted as a tombstone, and once that is replicated the id is dropped from the
 * cache, so that it is unknown to every API and its next InitProducerId starts it afresh.
 *
 * <p>Threads: requests run on the broker's request threads and hold the id's lock only while deciding
 * and appending locally; replication and markers complete asynchronously, on whichever thread saw
 * them complete. One scheduler thread loads partitions, aborts timed-out transactions, expires idle
 * ids and retries markers that failed.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    private static final long LOAD_RETRY_MS = 1_000;

    /** One transactional id; every mutable field is guarded by the entry's monitor. */
    private static final class Entry {
        final int partition;
        /** The leader epoch of the partition's loading this entry belongs to: the coordinator epoch. */
        final int coordinatorEpoch;
        /**
         * Null until the first record of the id was persisted. Dead once its expiry was persisted: the
         * entry is then out of {@code entries}, and a request still holding it must not use it.
         */
        TransactionMetadata current;
        /** Written to the log, not yet replicated: the id is busy until then. */
        TransactionMetadata pending;
        /** In Prepare*: partitions still without a marker. */
        Set<TopicPartition> markersPending = Set.of();
        /** A completion run is writing markers for this id. */
        boolean completing;

        Entry(int partition, int coordinatorEpoch) {
            this.partition = partition;
            this.coordinatorEpoch = coordinatorEpoch;
        }
    }

    /** InitProducerId's answer. */
    public record InitResult(Errors error, long producerId, short producerEpoch) {
        static InitResult error(Errors error) {
            return new InitResult(error, -1, (short) -1);
        }
    }

    private final TransactionConfig config;
    private final TransactionStateStore store;
    private final TransactionMarkerWriter markers;
    private final LongSupplier producerIds;
    private final Clock clock;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** Led partitions of the transaction log, with their leader epoch. */
    private final ConcurrentMap<Integer, Integer> owned = new ConcurrentHashMap<>();
    private final Set<Integer> loadedPartitions = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    private final IntFunction<OptionalInt> leaderEpochOf;

    /**
     * @param leaderEpochOf the leader epoch of a {@code __transaction_state} partition while this broker
     *                      leads it, read when acting on a leadership change
     */
    TransactionCoordinator(TransactionConfig config, TransactionStateStore store, TransactionMarkerWriter markers,
                           LongSupplier producerIds, Clock clock, IntFunction<OptionalInt> leaderEpochOf) {
        this.leaderEpochOf = leaderEpochOf;
        this.config = config;
        this.store = store;
        this.markers = markers;
        this.producerIds = producerIds;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "txn-coordinator");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the timed-out transaction and expired id checks. Partitions are loaded as leadership arrives. */
    void start() {
        long interval = config.abortTimedOutIntervalMs();
        scheduler.scheduleWithFixedDelay(logFailures("Aborting timed-out transactions", this::abortTimedOut), interval, interval, TimeUnit.MILLISECONDS);
        long expiry = config.removeExpiredIntervalMs();
        scheduler.scheduleWithFixedDelay(logFailures("Expiring transactional ids", this::removeExpiredTransactionalIds), expiry, expiry, TimeUnit.MILLISECONDS);
    }

    /**
     * Leadership of {@code partition} changed (a hint: such calls may arrive late or out of order).
     * When the hint says it was lost, stop answering for its ids at once; either way, settle on the
     * coordinator thread against the current leadership.
     */
    void onLeadershipChange(int partition, boolean leader) {
        if (!leader) {
            owned.remove(partition);
            loadedPartitions.remove(partition);
        }
        execute(() -> reconcile(partition));
    }

    private void execute(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down.
        }
    }

    /**
     * Coordinator thread: makes what this broker serves for {@code partition} match its leadership now.
     * Not leading: forget the partition's ids. Leading at an epoch not loaded yet (first time, or
     * again after someone else led and may have written): load it.
     */
    private void reconcile(int partition) {
        OptionalInt epoch = leaderEpochOf.apply(partition);
        if (epoch.isEmpty()) {
            owned.remove(partition);
            loadedPartitions.remove(partition);
            if (entries.values().removeIf(e -> e.partition == partition)) {
                log.info("Unloaded the transactional ids of __transaction_state-{}", partition);
            }
            return;
        }
        int leaderEpoch = epoch.getAsInt();
        if (Integer.valueOf(leaderEpoch).equals(owned.get(partition)) && loadedPartitions.contains(partition)) {
            return;
        }
        owned.put(partition, leaderEpoch);
        loadedPartitions.remove(partition);
        load(partition, leaderEpoch);
    }

    /**
     * Replays the partition's log (this broker's log is the partition's truth now that it leads it),
     * then completes the transactions found prepared: their markers may be missing. A load that
     * fails is tried again; meanwhile clients are told COORDINATOR_LOAD_IN_PROGRESS.
     */
    private void load(int partition, int leaderEpoch) {
        long started = System.nanoTime();
        Map<String, TransactionMetadata> loaded;
        try {
            loaded = store.load(partition);
        } catch (RuntimeException e) {
            log.error("Cannot load __transaction_state-{}; trying again in {} ms", partition, LOAD_RETRY_MS, e);
            try {
                scheduler.schedule(() -> reconcile(partition), LOAD_RETRY_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // Shutting down.
            }
            return;
        }
        entries.values().removeIf(e -> e.partition == partition);
        List<Entry> prepared = new ArrayList<>();
        loaded.forEach((id, txn) -> {
            Entry entry = new Entry(partition, leaderEpoch);
            entry.current = txn;
            if (txn.state().isPreparing()) {
                entry.markersPending = new HashSet<>(txn.partitions());
                prepared.add(entry);
            }
            entries.put(id, entry);
        });
        loadedPartitions.add(partition);
        log.info("Coordinating the {} transactional ids of __transaction_state-{} (leader epoch {}), loaded in {} ms",
                loaded.size(), partition, leaderEpoch, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        for (Entry entry : prepared) {
            log.info("Completing {} found at load", describeLocked(entry));
            completeTransaction(entry);
        }
    }

    /** Whether {@code entry} is still how this broker coordinates its id: not replaced by a reload. */
    private boolean isCurrent(String transactionalId, Entry entry) {
        return entries.get(transactionalId) == entry && loadedPartitions.contains(entry.partition)
                && Integer.valueOf(entry.coordinatorEpoch).equals(owned.get(entry.partition));
    }

    private static String describeLocked(Entry entry) {
        synchronized (entry) {
            return String.valueOf(entry.current);
        }
    }

    /** Whether every partition this broker leads has been loaded. */
    public boolean allLoaded() {
        return loadedPartitions.containsAll(owned.keySet());
    }

    /** NONE if requests for this id can be served here now. */
    public Errors check(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return Errors.INVALID_REQUEST;
        }
        int partition = store.partitionFor(transactionalId);
        if (!owned.containsKey(partition)) {
            return Errors.NOT_COORDINATOR;
        }
        return loadedPartitions.contains(partition) ? Errors.NONE : Errors.COORDINATOR_LOAD_IN_PROGRESS;
    }

    /** The id's entry; null when its partition is not (or no longer) coordinated here. */
    private Entry entryFor(String transactionalId) {
        int partition = store.partitionFor(transactionalId);
        Integer epoch = owned.get(partition);
        if (epoch == null) {
            return null;
        }
        return entries.computeIfAbsent(transactionalId, id -> new Entry(partition, epoch));
    }

    /** Drops an entry created for a request that wrote nothing: only ids with a record are kept. */
    private void forgetIfUnwritten(String transactionalId, Entry entry) {
        synchronized (entry) {
            if (entry.current == null && entry.pending == null) {
                entries.remove(transactionalId, entry);
            }
        }
    }

    // -------------------------------------------------------------------------------------------- requests

    public CompletableFuture<InitResult> initProducerId(String transactionalId, int timeoutMs, long expectedPid,
                                                 short expectedEpoch) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(InitResult.error(error));
        }
        Entry entry = entryFor(transactionalId);
        if (entry == null) {
            return CompletableFuture.completedFuture(InitResult.error(Errors.NOT_COORDINATOR));
        }
        TxnDecision decision;
        CompletableFuture<Errors> persisted;
        synchronized (entry) {
            if (entry.pending != null || isDead(entry)) {
                // Busy, or expired since it was looked up: the client's retry finds the id settled or gone.
                return CompletableFuture.completedFuture(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
            }
            decision = TransactionStateMachine.initProducerId(entry.current, transactionalId, timeoutMs,
                    config.maxTimeoutMs(), expectedPid, expectedEpoch, clock.millis(), producerIds);
            persisted = decision.kind() == TxnDecision.Kind.REPLY ? null : persist(entry, decision.next());
        }
        if (persisted == null) {
            forgetIfUnwritten(transactionalId, entry);
            return CompletableFuture.completedFuture(InitResult.error(decision.error()));
        }
        return persisted.thenApply(persistError -> {
            if (persistError != Errors.NONE) {
                forgetIfUnwritten(transactionalId, entry);
                return InitResult.error(persistError);
            }
            TransactionMetadata next = decision.next();
            if (decision.kind() == TxnDecision.Kind.PERSIST) {
                return new InitResult(Errors.NONE, next.producerId(), next.producerEpoch());
            }
            log.info("Fenced the previous producer of {}: aborting its ongoing transaction under epoch {}",
                    transactionalId, next.producerEpoch());
            completeTransaction(entry);
            return InitResult.error(decision.error());
        });
    }

    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                            Set<TopicPartition> partitions) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        Entry entry = entries.get(transactionalId);
        if (entry == null) {
            return CompletableFuture.completedFuture(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        synchronized (entry) {
            if (entry.pending != null) {
                return CompletableFuture.completedFuture(Errors.CONCURRENT_TRANSACTIONS);
            }
            return apply(entry, TransactionStateMachine.addPartitions(entry.current, producerId, producerEpoch,
                    partitions, clock.millis()));
        }
    }

    public CompletableFuture<Errors> endTxn(String transactionalId, long producerId, short producerEpoch, boolean commit) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(error);
        }
        Entry entry = entries.get(transactionalId);
        if (entry == null) {
            return CompletableFuture.completedFuture(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        TxnDecision decision;
        CompletableFuture<Errors> answer;
        synchronized (entry) {
            if (entry.current == null) {
                return CompletableFuture.completedFuture(Errors.INVALID_PRODUCER_ID_MAPPING);
            }
            if (entry.pending != null) {
                return CompletableFuture.completedFuture(Errors.CONCURRENT_TRANSACTIONS);
            }
            decision = TransactionStateMachine.endTxn(entry.current, producerId, producerEpoch, commit, clock.millis());
            answer = apply(entry, decision);
        }
        return answer.thenApply(e -> {
            if (e == Errors.NONE && decision.kind() == TxnDecision.Kind.PERSIST_THEN_COMPLETE) {
                completeTransaction(entry);
            }
            return e;
        });
    }

    /** Persists a decision and installs it; completes with the answer for the client. Entry lock held. */
    private CompletableFuture<Errors> apply(Entry entry, TxnDecision decision) {
        if (decision.kind() == TxnDecision.Kind.REPLY) {
            return CompletableFuture.completedFuture(decision.error());
        }
        return persist(entry, decision.next()).thenApply(error -> error != Errors.NONE ? error : decision.error());
    }

    /**
     * Appends {@code next} to the transaction log and makes it current once replicated; until then the
     * id is busy. Completes with NONE or the error for the client. Entry lock held.
     */
    private CompletableFuture<Errors> persist(Entry entry, TransactionMetadata next) {
        CompletableFuture<Errors> replicated;
        try {
            replicated = store.append(next);
        } catch (ApiException e) {
            log.warn("Could not persist {}: {}", next, e.getMessage());
            return CompletableFuture.completedFuture(CoordinatorWriteErrors.forCoordinatorWrite(Errors.forException(e)));
        } catch (RuntimeException e) {
            log.error("Could not persist {}", next, e);
            return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        entry.pending = next;
        return replicated.thenApply(error -> {
            synchronized (entry) {
                if (entry.pending == next) {
                    entry.pending = null;
                }
                if (error != Errors.NONE) {
                    log.warn("Record of {} not replicated: {}", next, error);
                    return CoordinatorWriteErrors.forCoordinatorWrite(error);
                }
                if (!isCurrent(next.transactionalId(), entry)) {
                    // The partition was reloaded meanwhile (leadership moved and came back): the
                    // loaded entry, not this one, speaks for the id now; the client asks again.
                    log.info("Record of {} written while the coordinator was reloading; not installed", next);
                    return Errors.NOT_COORDINATOR;
                }
                entry.current = next;
                if (next.state().isPreparing()) {
                    entry.markersPending = new HashSet<>(next.partitions());
                }
                if (isDead(entry)) {
                    // Expired: the tombstone is durable, so the id is forgotten here too.
                    entries.remove(next.transactionalId(), entry);
                    log.debug("Expired transactional id {}", next.transactionalId());
                }
                return Errors.NONE;
            }
        });
    }

    // ---------------------------------------------------------------------------------------- completion

    /** What became of one partition's marker. */
    private enum MarkerOutcome {
        /** Written, or not needed (the partition is gone). */
        DONE,
        /** Not written now; worth trying again. */
        RETRY,
        /**
         * Refused for good because the partition has seen a newer producer epoch or coordinator: a
         * newer coordinator owns this transaction, so this one stops completing it (as Kafka does).
         */
        ABANDON
    }

    /**
     * Writes the markers of a prepared transaction to every partition still without one (in parallel,
     * to whichever broker leads each), then persists Complete*. Anything that fails is retried after
     * {@code markerRetryBackoffMs}, for as long as this broker coordinates the id.
     */
    private void completeTransaction(Entry entry) {
        if (TransactionFaults.stopAfterPrepare) {
            return;
        }
        TransactionMetadata txn;
        List<TopicPartition> todo;
        synchronized (entry) {
            if (entry.completing || entry.pending != null || entry.current == null
                    || !entry.current.state().isPreparing() || !isCurrent(entry.current.transactionalId(), entry)) {
                return;
            }
            entry.completing = true;
            txn = entry.current;
            todo = new ArrayList<>(entry.markersPending);
        }
        boolean commit = txn.state() == TransactionState.PREPARE_COMMIT;
        AtomicBoolean retry = new AtomicBoolean();
        AtomicBoolean abandon = new AtomicBoolean();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (TopicPartition tp : todo) {
            CompletableFuture<Errors> written;
            try {
                written = markers.write(new MarkerChannel.Marker(tp, txn.producerId(), txn.producerEpoch(), commit,
                        entry.coordinatorEpoch));
            } catch (RuntimeException e) {
                log.error("Marker for {} of {} could not be sent", tp, txn.transactionalId(), e);
                written = CompletableFuture.completedFuture(Errors.UNKNOWN_SERVER_ERROR);
            }
            writes.add(written.thenAccept(error -> {
                switch (markerOutcome(txn, tp, error)) {
                    case DONE -> {
                        synchronized (entry) {
                            entry.markersPending.remove(tp);
                        }
                    }
                    case RETRY -> retry.set(true);
                    case ABANDON -> abandon.set(true);
                }
            }));
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]))
                .whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        log.error("Writing the markers of {} failed", txn.transactionalId(), failure);
                    }
                    afterMarkers(entry, txn, retry.get() || failure != null, abandon.get());
                });
    }

    private MarkerOutcome markerOutcome(TransactionMetadata txn, TopicPartition tp, Errors error) {
        switch (error) {
            case NONE:
                return MarkerOutcome.DONE;
            case UNKNOWN_TOPIC_OR_PARTITION:
                if (!markers.partitionExists(tp)) {
                    log.info("Partition {} of {} no longer exists; no marker needed", tp, txn.transactionalId());
                    return MarkerOutcome.DONE;
                }
                break;
            case POLICY_VIOLATION:
                // A read-only mirror topic: it refused the transaction's records too, so it needs no marker.
                log.info("Partition {} of {} is a mirror topic; no marker needed", tp, txn.transactionalId());
                return MarkerOutcome.DONE;
            case INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, TRANSACTION_COORDINATOR_FENCED:
                log.warn("Marker for {} of {} refused with {}: a newer coordinator owns it; stopping here", tp,
                        txn.transactionalId(), error);
                return MarkerOutcome.ABANDON;
            default:
                break;
        }
        log.debug("Marker for {} of {} not written, will retry: {}", tp, txn.transactionalId(), error);
        return MarkerOutcome.RETRY;
    }

    private void afterMarkers(Entry entry, TransactionMetadata txn, boolean retry, boolean abandon) {
        CompletableFuture<Errors> completed;
        synchronized (entry) {
            if (abandon || entry.current != txn || !isCurrent(txn.transactionalId(), entry)) {
                entry.completing = false;
                return;
            }
            if (retry || !entry.markersPending.isEmpty() || entry.pending != null) {
                entry.completing = false;
                scheduleRetry(entry);
                return;
            }
            completed = persist(entry, TransactionStateMachine.complete(txn, clock.millis()));
        }
        completed.thenAccept(error -> {
            synchronized (entry) {
                entry.completing = false;
            }
            if (error != Errors.NONE) {
                scheduleRetry(entry);
                return;
            }
            log.debug("Completed {}", txn);
            // A next transaction may have been prepared while this flag was still set, and its own
            // completion call then returned early: start it now (a no-op unless it is prepared).
            completeTransaction(entry);
        });
    }

    private void scheduleRetry(Entry entry) {
        try {
            scheduler.schedule(() -> completeTransaction(entry), config.markerRetryBackoffMs(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: the transaction stays prepared and is completed after the next load.
        }
    }

    private static boolean isDead(Entry entry) {
        return entry.current != null && entry.current.state() == TransactionState.DEAD;
    }

    // ------------------------------------------------------------------------------------------- timeouts

    /** The current metadata of every id of a loaded partition with no change being persisted. */
    private List<TransactionMetadata> settled() {
        List<TransactionMetadata> settled = new ArrayList<>();
        for (Entry entry : entries.values()) {
            synchronized (entry) {
                if (entry.current != null && entry.pending == null && loadedPartitions.contains(entry.partition)) {
                    settled.add(entry.current);
                }
            }
        }
        return settled;
    }

    /**
     * Starts aborting, with an epoch bump that fences the producer, every Ongoing transaction past its
     * timeout; returns how many it started aborting.
     */
    int abortTimedOut() {
        long now = clock.millis();
        List<TransactionMetadata> candidates = settled();
        int aborted = 0;
        for (TransactionMetadata expired : TransactionFilter.timedOut(candidates, now)) {
            Entry entry = entries.get(expired.transactionalId());
            if (entry == null) {
                continue;
            }
            CompletableFuture<Errors> persisted;
            synchronized (entry) {
                if (entry.current != expired || entry.pending != null) {
                    continue;
                }
                log.info("Aborting transaction of {} (producer {} epoch {}): older than its timeout of {} ms",
                        expired.transactionalId(), expired.producerId(), expired.producerEpoch(), expired.timeoutMs());
                persisted = persist(entry, TransactionStateMachine.fenceAndAbort(expired, now));
            }
            aborted++;
            persisted.thenAccept(error -> {
                if (error == Errors.NONE) {
                    completeTransaction(entry);
                }
            });
        }
        return aborted;
    }

    /** A periodic task that logs its failure instead of ending the schedule (which a thrown exception would). */
    private static Runnable logFailures(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{} failed", what, e);
            }
        };
    }

    /**
     * Starts expiring every id left unchanged for {@code transactional.id.expiration.ms} with no
     * transaction in flight: persists its Dead state as a tombstone, and forgets the id once that is
     * replicated (see {@link #persist}). An id whose tombstone could not be written stays as it was and
     * is tried again at the next run. Returns how many ids it started expiring.
     */
    int removeExpiredTransactionalIds() {
        long now = clock.millis();
        int expiring = 0;
        for (TransactionMetadata idle : TransactionFilter.expired(settled(), now, config.idExpirationMs())) {
            Entry entry = entries.get(idle.transactionalId());
            if (entry == null) {
                continue;
            }
            synchronized (entry) {
                if (entry.current != idle || entry.pending != null) {
                    continue;
                }
                persist(entry, TransactionStateMachine.expire(idle, now));
            }
            expiring++;
        }
        if (expiring > 0) {
            log.info("Expiring {} transactional id(s) unchanged for {} ms", expiring, config.idExpirationMs());
        }
        return expiring;
    }


    // ------------------------------------------------------------------------------------------ describe

    /** The id's metadata, with Prepare* partitions narrowed to those still without a marker. */
    public Optional<TransactionMetadata> describe(String transactionalId) {
        Entry entry = entries.get(transactionalId);
        if (entry == null) {
            return Optional.empty();
        }
        synchronized (entry) {
            TransactionMetadata txn = entry.current;
            if (txn == null || txn.state() == TransactionState.DEAD) {
                return Optional.empty();
            }
            if (txn.state().isPreparing()) {
                txn = new TransactionMetadata(txn.transactionalId(), txn.producerId(), txn.lastProducerId(),
                        txn.producerEpoch(), txn.lastProducerEpoch(), txn.timeoutMs(), txn.state(),
                        entry.markersPending, txn.txnStartTimestamp(), txn.txnLastUpdateTimestamp());
            }
            return Optional.of(txn);
        }
    }

    public List<TransactionMetadata> list(TransactionFilter filter) {
        long now = clock.millis();
        List<TransactionMetadata> out = new ArrayList<>();
        for (Entry entry : entries.values()) {
            synchronized (entry) {
                if (entry.current != null && filter.matches(entry.current, now)) {
                    out.add(entry.current);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        owned.clear();
        loadedPartitions.clear();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
