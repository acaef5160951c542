package io.sluice.broker.txn;

import io.sluice.transactions.coordinator.TransactionFilter;
import io.sluice.transactions.coordinator.TransactionMetadata;
import io.sluice.transactions.coordinator.TransactionState;
import io.sluice.transactions.coordinator.TransactionStateMachine;
import io.sluice.transactions.coordinator.TxnDecision;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The transaction coordinator (KIP-98, transaction protocol v1) for the {@code __transaction_state}
 * partitions this broker holds: the cache of {@link TransactionMetadata} per transactional id, the
 * state changes the {@link TransactionStateMachine} decides, their persistence, and the completion of
 * prepared transactions (markers, then Complete*).
 *
 * <p>Invariants: a metadata value becomes current only after it was appended to the transaction log,
 * so every answer a client got is backed by the log; while an id is PrepareCommit/PrepareAbort its
 * markers are being written (or will be after a reload), and the client is answered
 * CONCURRENT_TRANSACTIONS; the id leaves Prepare* only once every marker is written.
 *
 * <p>Threads: requests run on the broker's request threads and hold the id's lock while deciding and
 * appending its record (local disk only). Markers are written outside the lock; one scheduler thread
 * aborts timed-out transactions and retries markers that failed.
 */
final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);

    /** One transactional id; every field is guarded by the entry's monitor. */
    private static final class Entry {
        /** Null until the first record of the id was persisted. */
        TransactionMetadata current;
        /** In Prepare*: partitions still without a marker. */
        Set<TopicPartition> markersPending = Set.of();
        /** A completion run is writing markers for this id. */
        boolean completing;
    }

    /** InitProducerId's answer. */
    record InitResult(Errors error, long producerId, short producerEpoch) {
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
    private final Set<Integer> loadedPartitions = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;

    TransactionCoordinator(TransactionConfig config, TransactionStateStore store, TransactionMarkerWriter markers,
                           LongSupplier producerIds, Clock clock) {
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

    /**
     * Loads every local {@code __transaction_state} partition, completes the transactions found
     * prepared (their markers may be missing), then starts the timeout check.
     */
    void start() {
        List<Entry> prepared = new ArrayList<>();
        for (int p = 0; p < store.numPartitions(); p++) {
            if (!store.isLocal(p)) {
                continue;
            }
            Map<String, TransactionMetadata> loaded = store.load(p);
            loaded.forEach((id, txn) -> {
                Entry entry = new Entry();
                entry.current = txn;
                if (txn.state().isPreparing()) {
                    entry.markersPending = new HashSet<>(txn.partitions());
                    prepared.add(entry);
                }
                entries.put(id, entry);
            });
            loadedPartitions.add(p);
            if (!loaded.isEmpty()) {
                log.info("Loaded {} transactional ids from __transaction_state-{}", loaded.size(), p);
            }
        }
        for (Entry entry : prepared) {
            log.info("Completing {} found at load", describeLocked(entry));
            completeTransaction(entry);
        }
        long interval = config.abortTimedOutIntervalMs();
        scheduler.scheduleWithFixedDelay(this::abortTimedOutQuietly, interval, interval, TimeUnit.MILLISECONDS);
    }

    private static String describeLocked(Entry entry) {
        synchronized (entry) {
            return String.valueOf(entry.current);
        }
    }

    boolean allLoaded() {
        for (int p = 0; p < store.numPartitions(); p++) {
            if (store.isLocal(p) && !loadedPartitions.contains(p)) {
                return false;
            }
        }
        return true;
    }

    /** NONE if requests for this id can be served here now. */
    Errors check(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return Errors.INVALID_REQUEST;
        }
        int partition = store.partitionFor(transactionalId);
        if (loadedPartitions.contains(partition)) {
            return Errors.NONE;
        }
        return store.isLocal(partition) ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NOT_COORDINATOR;
    }

    // -------------------------------------------------------------------------------------------- requests

    InitResult initProducerId(String transactionalId, int timeoutMs, long expectedPid, short expectedEpoch) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return InitResult.error(error);
        }
        Entry entry = entries.computeIfAbsent(transactionalId, id -> new Entry());
        TxnDecision decision;
        synchronized (entry) {
            decision = TransactionStateMachine.initProducerId(entry.current, transactionalId, timeoutMs,
                    config.maxTimeoutMs(), expectedPid, expectedEpoch, clock.millis(), producerIds);
            if (decision.kind() == TxnDecision.Kind.REPLY) {
                return InitResult.error(decision.error());
            }
            error = persist(entry, decision.next());
            if (error != Errors.NONE) {
                return InitResult.error(error);
            }
            if (decision.kind() == TxnDecision.Kind.PERSIST) {
                return new InitResult(Errors.NONE, entry.current.producerId(), entry.current.producerEpoch());
            }
            log.info("Fenced the previous producer of {}: aborting its ongoing transaction under epoch {}",
                    transactionalId, entry.current.producerEpoch());
        }
        completeTransaction(entry);
        return InitResult.error(decision.error());
    }

    Errors addPartitions(String transactionalId, long producerId, short producerEpoch, Set<TopicPartition> partitions) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return error;
        }
        Entry entry = entries.get(transactionalId);
        if (entry == null) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        synchronized (entry) {
            return apply(entry, TransactionStateMachine.addPartitions(entry.current, producerId, producerEpoch,
                    partitions, clock.millis()));
        }
    }

    Errors endTxn(String transactionalId, long producerId, short producerEpoch, boolean commit) {
        Errors error = check(transactionalId);
        if (error != Errors.NONE) {
            return error;
        }
        Entry entry = entries.get(transactionalId);
        if (entry == null) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        TxnDecision decision;
        synchronized (entry) {
            if (entry.current == null) {
                return Errors.INVALID_PRODUCER_ID_MAPPING;
            }
            decision = TransactionStateMachine.endTxn(entry.current, producerId, producerEpoch, commit, clock.millis());
            error = apply(entry, decision);
        }
        if (error == Errors.NONE && decision.kind() == TxnDecision.Kind.PERSIST_THEN_COMPLETE) {
            completeTransaction(entry);
        }
        return error;
    }

    /** Persists a decision and installs it; returns the answer for the client. Entry lock held. */
    private Errors apply(Entry entry, TxnDecision decision) {
        if (decision.kind() == TxnDecision.Kind.REPLY) {
            return decision.error();
        }
        Errors error = persist(entry, decision.next());
        return error != Errors.NONE ? error : decision.error();
    }

    /** Appends {@code next} to the transaction log, then makes it current. Entry lock held. */
    private Errors persist(Entry entry, TransactionMetadata next) {
        try {
            store.append(next);
        } catch (ApiException e) {
            log.warn("Could not persist {}: {}", next, e.getMessage());
            return e instanceof RetriableException ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.NOT_COORDINATOR;
        } catch (RuntimeException e) {
            log.error("Could not persist {}", next, e);
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        entry.current = next;
        if (next.state().isPreparing()) {
            entry.markersPending = new HashSet<>(next.partitions());
        }
        return Errors.NONE;
    }

    // ---------------------------------------------------------------------------------------- completion

    /**
     * Writes the markers of a prepared transaction to every partition still without one, then persists
     * Complete*. Anything that fails is retried after {@code markerRetryBackoffMs}.
     */
    private void completeTransaction(Entry entry) {
        if (TransactionFaults.stopAfterPrepare) {
            return;
        }
        TransactionMetadata txn;
        List<TopicPartition> todo;
        synchronized (entry) {
            if (entry.completing || entry.current == null || !entry.current.state().isPreparing()) {
                return;
            }
            entry.completing = true;
            txn = entry.current;
            todo = new ArrayList<>(entry.markersPending);
        }
        boolean commit = txn.state() == TransactionState.PREPARE_COMMIT;
        boolean failed = false;
        for (TopicPartition tp : todo) {
            try {
                if (!markers.write(tp, txn.producerId(), txn.producerEpoch(), commit)) {
                    log.info("Partition {} of {} no longer exists; no marker needed", tp, txn.transactionalId());
                }
                synchronized (entry) {
                    entry.markersPending.remove(tp);
                }
            } catch (RetriableException e) {
                log.warn("Marker for {} of {} not written, will retry: {}", tp, txn.transactionalId(), e.getMessage());
                failed = true;
            } catch (RuntimeException e) {
                // Refused for good (e.g. an epoch the partition considers stale): retrying cannot help,
                // and holding the transaction in Prepare* forever would block the producer.
                log.error("Marker for {} of {} refused; giving up on this partition", tp, txn.transactionalId(), e);
                synchronized (entry) {
                    entry.markersPending.remove(tp);
                }
            }
        }
        synchronized (entry) {
            entry.completing = false;
            if (!failed && entry.current == txn) {
                if (persist(entry, TransactionStateMachine.complete(txn, clock.millis())) == Errors.NONE) {
                    log.debug("Completed {}", entry.current);
                    return;
                }
            } else if (entry.current != txn) {
                return;
            }
        }
        scheduleRetry(entry);
    }

    private void scheduleRetry(Entry entry) {
        try {
            scheduler.schedule(() -> completeTransaction(entry), config.markerRetryBackoffMs(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: the transaction stays prepared and is completed after the next load.
        }
    }

    // ------------------------------------------------------------------------------------------- timeouts

    /** Aborts, with an epoch bump that fences the producer, every Ongoing transaction past its timeout. */
    int abortTimedOut() {
        long now = clock.millis();
        List<TransactionMetadata> candidates = new ArrayList<>();
        for (Entry entry : entries.values()) {
            synchronized (entry) {
                if (entry.current != null) {
                    candidates.add(entry.current);
                }
            }
        }
        int aborted = 0;
        for (TransactionMetadata expired : TransactionFilter.timedOut(candidates, now)) {
            Entry entry = entries.get(expired.transactionalId());
            boolean abort;
            synchronized (entry) {
                abort = entry.current == expired;
                if (abort) {
                    TransactionMetadata next = TransactionStateMachine.fenceAndAbort(expired, now);
                    log.info("Aborting transaction of {} (producer {} epoch {}): older than its timeout of {} ms",
                            expired.transactionalId(), expired.producerId(), expired.producerEpoch(), expired.timeoutMs());
                    abort = persist(entry, next) == Errors.NONE;
                }
            }
            if (abort) {
                aborted++;
                completeTransaction(entry);
            }
        }
        return aborted;
    }

    private void abortTimedOutQuietly() {
        try {
            abortTimedOut();
        } catch (RuntimeException e) {
            log.error("Aborting timed-out transactions failed", e);
        }
    }

    // ------------------------------------------------------------------------------------------ describe

    /** The id's metadata, with Prepare* partitions narrowed to those still without a marker. */
    Optional<TransactionMetadata> describe(String transactionalId) {
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

    List<TransactionMetadata> list(TransactionFilter filter) {
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
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loadedPartitions.clear();
    }
}
