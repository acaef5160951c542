package io.sluice.connect.worker;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask.TransactionBoundary;
import org.apache.kafka.connect.source.TransactionContext;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The transactions of one exactly-once source task (KIP-618): its transactional producer, where each transaction
 * ends ({@code transaction.boundary}) and, for {@code connector}, the task's own commit/abort requests through
 * {@link TransactionContext}. A commit first writes the transaction's source offsets to the offsets topic through
 * the same producer, so records and offsets become visible together or not at all.
 *
 * <p>{@link #initialize} calls {@code initTransactions()}: it aborts whatever transaction an earlier instance with
 * the same transactional id left open and bumps the epoch, so that instance (a zombie) can no longer write.
 */
final class SourceTransactions implements TransactionContext {
    /** Whether a transaction is open on the producer. */
    enum Phase { IDLE, OPEN }

    /** What the task loop does at a boundary check. */
    enum Decision { NONE, COMMIT, ABORT }

    private final KafkaProducer<byte[], byte[]> producer;
    private final TransactionBoundary boundary;
    private final long intervalMs;
    private final String offsetsTopic;
    private Phase phase = Phase.IDLE;
    private long nextCommitAt;
    /** Connector-defined boundaries: requests from the task, read and cleared by the task thread. */
    private final Set<SourceRecord> commitAfter = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<SourceRecord> abortAfter = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean commitRequested;
    private boolean abortRequested;

    SourceTransactions(KafkaProducer<byte[], byte[]> producer, TransactionBoundary boundary, long intervalMs,
                       String offsetsTopic) {
        this.producer = producer;
        this.boundary = boundary;
        this.intervalMs = intervalMs;
        this.offsetsTopic = offsetsTopic;
    }

    TransactionBoundary boundary() {
        return boundary;
    }

    /** Fences earlier instances of this task; call before the task reads its offsets. */
    void initialize() {
        producer.initTransactions();
        nextCommitAt = System.currentTimeMillis() + intervalMs;
    }

    /** Opens a transaction unless one is open. */
    void ensureOpen() {
        if (phase == Phase.IDLE) {
            producer.beginTransaction();
            phase = Phase.OPEN;
        }
    }

    boolean isOpen() {
        return phase == Phase.OPEN;
    }

    /** After {@code record} was handed to the producer: did the connector ask to end the transaction there? */
    synchronized Decision afterRecord(SourceRecord record) {
        if (abortAfter.remove(record)) {
            return Decision.ABORT;
        }
        return commitAfter.remove(record) ? Decision.COMMIT : Decision.NONE;
    }

    /** After a poll's records were handed to the producer ({@code polled}: the poll returned any). */
    synchronized Decision afterPoll(boolean polled) {
        switch (boundary) {
            case POLL:
                return polled ? Decision.COMMIT : Decision.NONE;
            case INTERVAL:
                if (System.currentTimeMillis() >= nextCommitAt) {
                    nextCommitAt = System.currentTimeMillis() + intervalMs;
                    return Decision.COMMIT;
                }
                return Decision.NONE;
            default:
                if (abortRequested) {
                    abortRequested = false;
                    commitRequested = false;
                    return Decision.ABORT;
                }
                if (commitRequested) {
                    commitRequested = false;
                    return Decision.COMMIT;
                }
                return Decision.NONE;
        }
    }

    /**
     * Writes {@code offsets} (offset-store records, null values as tombstones) into the open transaction and
     * commits it. Throws what the producer throws: a fenced or failed task must not go on.
     */
    void commit(Map<ByteBuffer, ByteBuffer> offsets) {
        if (phase == Phase.IDLE && offsets.isEmpty()) {
            return;
        }
        ensureOpen();
        offsets.forEach((key, value) -> producer.send(new ProducerRecord<>(offsetsTopic, bytes(key),
                value == null ? null : bytes(value))));
        producer.commitTransaction();
        phase = Phase.IDLE;
    }

    /**
     * Aborts the open transaction, if any: its records and offsets are never seen by read_committed readers. The
     * records are flushed first, so an aborted batch is in the log (visible read_uncommitted) like Kafka
     * Connect's, rather than dropped unsent.
     */
    void abort() {
        if (phase == Phase.OPEN) {
            phase = Phase.IDLE;
            producer.flush();
            producer.abortTransaction();
        }
    }

    @Override
    public synchronized void commitTransaction() {
        commitRequested = true;
    }

    @Override
    public synchronized void commitTransaction(SourceRecord record) {
        commitAfter.add(record);
    }

    @Override
    public synchronized void abortTransaction() {
        abortRequested = true;
    }

    @Override
    public synchronized void abortTransaction(SourceRecord record) {
        abortAfter.add(record);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
