package io.sluice.transactions.producer;

import io.sluice.transactions.producer.AppendVerdict.Outcome;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Idempotent and transactional producer state of one partition (Kafka's {@code ProducerStateManager}).
 *
 * <p>Protocol with the log: for each batch with a producer id, {@link #check} (data) or
 * {@link #checkMarker} (commit/abort control batch) before the write; if it says
 * {@link Outcome#ACCEPT}, write, then {@link #recordAppend} or {@link #recordMarker}. Recovery and
 * followers replay written batches through the same record methods, without checking (the leader
 * already decided what the log holds), starting from a {@link ProducerStateSnapshot}'s offset.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Per producer, the last {@value #RETAINED_BATCHES} data batches of its current epoch are kept,
 *       oldest first; a retry of any of them is a {@link Outcome#DUPLICATE}.</li>
 *   <li>Within an epoch sequences are contiguous: the next batch starts at the last batch's last
 *       sequence + 1, and {@link Integer#MAX_VALUE} is followed by 0. A higher epoch starts at 0.</li>
 *   <li>A producer the table does not know (never seen, expired, or removed with its data) is accepted
 *       at any sequence and epoch, as Kafka does since KIP-360: the producer, not the broker, then
 *       decides whether its sequence is still valid.</li>
 *   <li>A producer has at most one open transaction here, opened by its first transactional batch
 *       and closed by its next marker; {@link #firstUnstableOffset()} is the smallest first offset among
 *       open transactions.</li>
 *   <li>Per producer, the coordinator epoch of the last marker recorded is kept, and a marker with a
 *       lower one is refused: once a newer transaction coordinator (a new leader of the producer's
 *       {@code __transaction_state} partition) has written a marker here, a deposed one cannot. A
 *       marker therefore records its producer even when the table did not know it, as Kafka does.</li>
 * </ul>
 *
 * <p>Thread-safety: the log serialises appends, but fetches, DescribeProducers and the snapshot writer
 * read from other threads, so every method holds this object's monitor, except
 * {@link #firstUnstableOffset()}, which every {@code read_committed} fetch asks and therefore reads a
 * volatile published after each change instead of contending with appends.
 */
public final class ProducerStateTable {

    /** Batches remembered per producer; Kafka producers keep at most five requests in flight. */
    public static final int RETAINED_BATCHES = 5;

    private static final long NONE = -1L;

    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** Open transactions by first offset; offsets are unique in a partition, so one producer per key. */
    private final TreeMap<Long, Long> openTxnsByFirstOffset = new TreeMap<>();
    private volatile long firstUnstableOffset = NONE;

    public ProducerStateTable() {
    }

    public static ProducerStateTable fromSnapshot(ProducerStateSnapshot snapshot) {
        ProducerStateTable table = new ProducerStateTable();
        table.reloadFrom(snapshot);
        return table;
    }

    /** May a data batch with these producer fields be appended? */
    public synchronized AppendVerdict check(long producerId, short epoch, int firstSeq, int lastSeq,
                                            boolean transactional) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return AppendVerdict.accept((short) -1);
        }
        short current = entry.epoch;
        if (epoch < current) {
            return olderEpoch(entry, epoch);
        }
        if (firstSeq < 0 || lastSeq < 0) {
            return AppendVerdict.reject(Outcome.OUT_OF_ORDER_SEQUENCE, current,
                    "idempotent batch without sequence from producer " + producerId);
        }
        if (epoch == current) {
            Optional<BatchMetadata> original = entry.findDuplicate(firstSeq, lastSeq);
            if (original.isPresent()) {
                return AppendVerdict.duplicate(current, original.get());
            }
            int last = entry.lastSeq();
            if (!inSequence(last, firstSeq)) {
                return AppendVerdict.reject(Outcome.OUT_OF_ORDER_SEQUENCE, current,
                        "sequence " + firstSeq + " does not follow " + last + " for producer " + producerId
                                + " epoch " + epoch);
            }
        } else if (firstSeq != 0) {
            return AppendVerdict.reject(Outcome.OUT_OF_ORDER_SEQUENCE, current,
                    "new epoch " + epoch + " of producer " + producerId + " starts at sequence " + firstSeq
                            + ", expected 0");
        }
        if (!transactional && entry.hasOpenTransaction()) {
            return AppendVerdict.reject(Outcome.INVALID_TXN_STATE, current,
                    "non-transactional write from producer " + producerId + " with a transaction open at offset "
                            + entry.txnFirstOffset);
        }
        return AppendVerdict.accept(current);
    }

    /**
     * May a commit or abort marker be appended? It carries no sequence; its producer epoch must not be
     * older than the producer's, nor its coordinator epoch older than that of the producer's last marker.
     */
    public synchronized AppendVerdict checkMarker(long producerId, short epoch, int coordinatorEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return AppendVerdict.accept((short) -1);
        }
        if (epoch < entry.epoch) {
            return olderEpoch(entry, epoch);
        }
        if (coordinatorEpoch < entry.coordinatorEpoch) {
            return AppendVerdict.reject(Outcome.COORDINATOR_FENCED, entry.epoch, "marker of producer " + producerId
                    + " from coordinator epoch " + coordinatorEpoch + ", older than the coordinator epoch "
                    + entry.coordinatorEpoch + " of its last marker");
        }
        return AppendVerdict.accept(entry.epoch);
    }

    private static AppendVerdict olderEpoch(ProducerEntry entry, short epoch) {
        return AppendVerdict.reject(Outcome.INVALID_PRODUCER_EPOCH, entry.epoch,
                "epoch " + epoch + " is older than current epoch " + entry.epoch + " of producer " + entry.producerId);
    }

    /**
     * Records a written data batch. A transactional batch opens the producer's transaction here unless
     * one is already open.
     *
     * @throws IllegalStateException if {@code epoch} is older than the producer's: {@link #check} would
     *                               have refused it, so the log is out of step with this table
     */
    public synchronized void recordAppend(long producerId, short epoch, int firstSeq, int lastSeq,
                                          long firstOffset, long lastOffset, long timestamp, boolean transactional) {
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(id, epoch));
        requireNotOlder(entry, epoch);
        entry.maybeBumpEpoch(epoch);
        entry.addBatch(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, timestamp));
        if (transactional && !entry.hasOpenTransaction()) {
            entry.txnFirstOffset = firstOffset;
            entry.txnStartTimestamp = timestamp;
            openTxnsByFirstOffset.put(firstOffset, producerId);
            publishFirstUnstableOffset();
        }
    }

    /**
     * Records a written commit or abort marker and closes the producer's open transaction, if any.
     * A marker for a producer the table does not know records it, with no batch, so that the marker's
     * epoch and coordinator epoch fence older ones; its next batch in that epoch starts at sequence 0.
     *
     * <p>The coordinator epoch is taken as written even when it is lower than the one recorded: the
     * leader that wrote the marker had checked it, and replay must reproduce the leader's state.
     *
     * @return the closed transaction, or empty if the producer had none open here
     * @throws IllegalStateException if {@code epoch} is older than the producer's
     */
    public synchronized Optional<CompletedTxn> recordMarker(long producerId, short epoch, int coordinatorEpoch,
                                                            long markerOffset, boolean commit, long timestamp) {
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(id, epoch));
        requireNotOlder(entry, epoch);
        // An abort after a coordinator-side epoch bump carries the new epoch; the producer's next batch
        // then starts that epoch at sequence 0.
        entry.maybeBumpEpoch(epoch);
        entry.lastTimestamp = timestamp;
        entry.lastMarkerOffset = markerOffset;
        entry.coordinatorEpoch = coordinatorEpoch;
        if (!entry.hasOpenTransaction()) {
            return Optional.empty();
        }
        CompletedTxn completed = new CompletedTxn(producerId, entry.txnFirstOffset, markerOffset, !commit);
        closeTransaction(entry);
        return Optional.of(completed);
    }

    /** Smallest first offset of an open transaction; the last stable offset cannot pass it. */
    public OptionalLong firstUnstableOffset() {
        long offset = firstUnstableOffset;
        return offset == NONE ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    /** Open transactions, oldest first. */
    public synchronized List<OpenTxn> openTransactions() {
        List<OpenTxn> open = new ArrayList<>(openTxnsByFirstOffset.size());
        for (long producerId : openTxnsByFirstOffset.values()) {
            ProducerEntry entry = producers.get(producerId);
            open.add(new OpenTxn(producerId, entry.epoch, entry.txnFirstOffset, entry.txnStartTimestamp));
        }
        return open;
    }

    /** Producers as DescribeProducers reports them. */
    public synchronized Collection<ProducerSnapshotEntry> producers() {
        List<ProducerSnapshotEntry> view = new ArrayList<>(producers.size());
        for (ProducerEntry entry : producers.values()) {
            view.add(new ProducerSnapshotEntry(entry.producerId, entry.epoch, entry.lastSeq(), entry.lastTimestamp,
                    entry.coordinatorEpoch, entry.txnFirstOffset));
        }
        return view;
    }

    public synchronized Optional<ProducerState> producer(long producerId) {
        return Optional.ofNullable(producers.get(producerId)).map(ProducerEntry::toState);
    }

    /** Full state of every producer, for a snapshot. */
    public synchronized List<ProducerState> state() {
        return producers.values().stream().map(ProducerEntry::toState).toList();
    }

    public synchronized int producerCount() {
        return producers.size();
    }

    /**
     * Forgets producers idle for at least {@code producerIdExpirationMs} ({@code producer.id.expiration.ms}).
     * Producers with an open transaction are kept: forgetting them would lose the transaction's first
     * offset and let the last stable offset jump over uncommitted data.
     */
    public synchronized void removeExpired(long nowMs, long producerIdExpirationMs) {
        producers.values().removeIf(entry ->
                !entry.hasOpenTransaction() && nowMs - entry.lastTimestamp >= producerIdExpirationMs);
    }

    /**
     * Forgets what the table learned from offsets at or above {@code offset}: batch metadata, and
     * transactions that started there. Producers left with no batch are forgotten (and so accepted at
     * any sequence afterwards).
     *
     * <p>A marker cannot be undone in memory: the transaction it closed and the epoch it may have bumped
     * are gone. So if a marker at or above {@code offset} was recorded, or a producer with an open
     * transaction lost all its batches, this returns {@code false} and the caller must
     * {@link #reloadFrom reload} from a snapshot at or below {@code offset} and replay up to it before
     * using the table again.
     *
     * @return whether the in-memory truncation is exact
     */
    public synchronized boolean truncateTo(long offset) {
        boolean exact = true;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            ProducerEntry entry = it.next();
            if (entry.lastMarkerOffset >= offset) {
                exact = false;
            }
            if (entry.hasOpenTransaction() && entry.txnFirstOffset >= offset) {
                closeTransaction(entry);
            }
            if (entry.dropBatchesFrom(offset) && entry.batches.isEmpty()) {
                if (entry.hasOpenTransaction()) {
                    exact = false;
                } else {
                    it.remove();
                }
            }
        }
        return exact;
    }

    public synchronized void clear() {
        producers.clear();
        openTxnsByFirstOffset.clear();
        publishFirstUnstableOffset();
    }

    /** Replaces the whole table with a snapshot's content; the caller then replays from its offset. */
    public synchronized void reloadFrom(ProducerStateSnapshot snapshot) {
        clear();
        for (ProducerState state : snapshot.producers()) {
            ProducerEntry entry = ProducerEntry.of(state);
            producers.put(entry.producerId, entry);
            if (entry.hasOpenTransaction()) {
                openTxnsByFirstOffset.put(entry.txnFirstOffset, entry.producerId);
            }
        }
        publishFirstUnstableOffset();
    }

    static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    private void closeTransaction(ProducerEntry entry) {
        openTxnsByFirstOffset.remove(entry.txnFirstOffset);
        entry.txnFirstOffset = -1;
        entry.txnStartTimestamp = -1;
        publishFirstUnstableOffset();
    }

    private void publishFirstUnstableOffset() {
        firstUnstableOffset = openTxnsByFirstOffset.isEmpty() ? NONE : openTxnsByFirstOffset.firstKey();
    }

    private static void requireNotOlder(ProducerEntry entry, short epoch) {
        if (epoch < entry.epoch) {
            throw new IllegalStateException("producer " + entry.producerId + " epoch " + epoch
                    + " is older than recorded epoch " + entry.epoch + "; check() must precede every write");
        }
    }
}
