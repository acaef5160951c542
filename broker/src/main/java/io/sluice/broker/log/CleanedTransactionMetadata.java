package io.sluice.broker.log;

import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What the cleaner knows, while it walks a log in offset order, about the transactions it passes through
 * (Kafka's {@code CleanedTransactionMetadata}): which batches belong to an aborted transaction (they may
 * go), and whether a commit or abort marker still has data of its transaction behind it (then it must
 * stay, or a {@code read_committed} consumer could no longer tell that data apart).
 *
 * <p>The aborted transactions come from the {@code .txnindex} files ({@link #addAbortedTransactions}) and
 * become "ongoing" for their producer once the walk reaches their first offset; the abort marker ends
 * them. A producer's transactional batch outside any aborted transaction belongs to a committed one.
 * When a marker is kept and {@link #cleanedIndex} is set, its aborted transaction is indexed again in
 * the cleaned segment.
 */
final class CleanedTransactionMetadata {
    private final PriorityQueue<AbortedTxn> abortedTransactions =
            new PriorityQueue<>(Comparator.comparingLong(AbortedTxn::firstOffset));
    private final Set<AbortedTxn> seen = new HashSet<>();
    /** Producer id → its aborted transaction the walk is inside of, and whether any of its batches was seen. */
    private final Map<Long, OngoingAbort> ongoingAbortedTxns = new HashMap<>();
    private final Set<Long> ongoingCommittedTxns = new HashSet<>();
    private TransactionIndex cleanedIndex;

    private static final class OngoingAbort {
        final AbortedTxn txn;
        boolean sawBatch;

        OngoingAbort(AbortedTxn txn) {
            this.txn = txn;
        }
    }

    void cleanedIndex(TransactionIndex index) {
        this.cleanedIndex = index;
    }

    /** Aborted transactions overlapping the range about to be walked; ones already known are ignored. */
    void addAbortedTransactions(List<AbortedTxn> txns) {
        for (AbortedTxn txn : txns) {
            if (seen.add(txn)) {
                abortedTransactions.add(txn);
            }
        }
    }

    /**
     * A data batch was read.
     *
     * @return true if it belongs to an aborted transaction, so its records can be discarded
     */
    boolean onBatchRead(RecordBatch batch) {
        consumeAbortedTxnsUpTo(batch.lastOffset());
        if (!batch.isTransactional()) {
            return false;
        }
        OngoingAbort aborted = ongoingAbortedTxns.get(batch.producerId());
        if (aborted != null) {
            aborted.sawBatch = true;
            return true;
        }
        ongoingCommittedTxns.add(batch.producerId());
        return false;
    }

    /**
     * A control batch was read.
     *
     * @return true if it is a marker whose transaction has no data left in the range walked (or an empty
     *         control batch, the remains of an earlier cleaning), so it may go once its delete horizon passed
     */
    boolean onControlBatchRead(RecordBatch batch) {
        consumeAbortedTxnsUpTo(batch.lastOffset());
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) {
            return true;
        }
        ControlRecordType type = ControlRecordType.parse(records.next().key());
        long producerId = batch.producerId();
        switch (type) {
            case ABORT -> {
                OngoingAbort aborted = ongoingAbortedTxns.remove(producerId);
                if (aborted != null && aborted.sawBatch) {
                    if (cleanedIndex != null) {
                        cleanedIndex.append(aborted.txn);
                    }
                    return false;
                }
                return true;
            }
            case COMMIT -> {
                return !ongoingCommittedTxns.remove(producerId);
            }
            default -> {
                return false;
            }
        }
    }

    private void consumeAbortedTxnsUpTo(long offset) {
        while (!abortedTransactions.isEmpty() && abortedTransactions.peek().firstOffset() <= offset) {
            AbortedTxn txn = abortedTransactions.poll();
            ongoingAbortedTxns.putIfAbsent(txn.producerId(), new OngoingAbort(txn));
        }
    }
}
