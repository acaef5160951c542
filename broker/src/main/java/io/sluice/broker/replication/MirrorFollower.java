package io.sluice.broker.replication;

import io.sluice.broker.log.LogManager;
import io.sluice.broker.log.MirrorTopicConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Makes the local leader of a mirror partition follow its source partition like a replica: fetches
 * from the source's log end of the mirror (as a read_uncommitted consumer, so every batch comes,
 * aborted data and markers included) and appends the batches verbatim, at the source's offsets, through
 * the follower append path ({@link Partition#appendMirrored}), so producer state, the transaction index
 * and the high watermark come out as on the source. The local followers replicate from here as usual.
 *
 * <p>The source sends only what its high watermark covers, so the mirror never holds what the source
 * could still lose; a source log that ends below the mirror's (an unclean election there) cannot be
 * followed on without diverging, and stops this follower in {@link State#SOURCE_TRUNCATED}. Batches keep
 * the source's leader epochs; before appending one newer than this leadership's epoch the local leader
 * epoch is raised to it ({@link MirrorFollowers#raiseEpoch}), so that consumers never see a batch epoch
 * above the partition's leader epoch.
 */
final class MirrorFollower implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(MirrorFollower.class);
    /** Out-of-range answers in a row (with fresh metadata) before the source counts as truncated. */
    private static final int OUT_OF_RANGE_LIMIT = 3;

    /** Where following stands. */
    enum State {
        STARTING,
        FOLLOWING,
        /** The source cluster, topic or partition leader cannot be reached; retrying. */
        SOURCE_UNAVAILABLE,
        /** The source's log ends below the mirror's: stopped for good (promote or re-create the mirror). */
        SOURCE_TRUNCATED,
        STOPPED
    }

    private final Partition partition;
    private final MirrorTopicConfig.Source source;
    private final SourceCluster cluster;
    private final MirrorFollowers owner;
    private final LogManager logs;
    private final int maxBytes;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile State state = State.STARTING;
    private volatile String lastError = "";
    private int outOfRange;

    MirrorFollower(Partition partition, MirrorTopicConfig.Source source, MirrorFollowers owner, LogManager logs,
                   int brokerId, int maxWaitMs, int maxBytes) {
        this.partition = partition;
        this.source = source;
        this.owner = owner;
        this.logs = logs;
        this.maxBytes = maxBytes;
        TopicPartition sourceTp = new TopicPartition(source.topic(), partition.tp.partition());
        this.cluster = new SourceCluster(source.bootstrapServers(), sourceTp, "sluice-mirror-" + brokerId, maxWaitMs);
        this.thread = new Thread(this, "sluice-mirror-" + brokerId + "-" + partition.tp);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    MirrorTopicConfig.Source source() {
        return source;
    }

    Partition partition() {
        return partition;
    }

    State state() {
        return state;
    }

    String lastError() {
        return lastError;
    }

    boolean stopped() {
        return !running;
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (!cluster.knowsLeader() && cluster.refreshLeader().isEmpty()) {
                    unavailable("the source has no leader for " + cluster.partition());
                    continue;
                }
                followOnce();
            } catch (IOException | RuntimeException e) {
                if (running) {
                    // The source leader may be gone for good: ask the bootstrap servers again.
                    cluster.forgetLeader();
                    unavailable(e.toString());
                }
            }
        }
        cluster.close();
    }

    private void followOnce() throws IOException {
        long offset = partition.log.logEndOffset();
        FetchResponseData.PartitionData pd = cluster.fetch(offset, maxBytes);
        Errors error = Errors.forCode(pd.errorCode());
        switch (error) {
            case NONE -> {
                outOfRange = 0;
                apply(offset, pd);
            }
            case OFFSET_OUT_OF_RANGE -> onOutOfRange(offset);
            default -> {
                // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION, ...:
                // the source's leadership moved or is moving; look it up again.
                cluster.forgetLeader();
                unavailable("fetch from the source answered " + error);
            }
        }
    }

    private void apply(long offset, FetchResponseData.PartitionData pd) {
        MemoryRecords records = pd.records() instanceof MemoryRecords m ? m : MemoryRecords.EMPTY;
        MemoryRecords fromOffset = from(records, offset);
        if (fromOffset == null) {
            return;
        }
        if (fromOffset.sizeInBytes() > 0) {
            int maxEpoch = -1;
            for (MutableRecordBatch batch : fromOffset.batches()) {
                maxEpoch = Math.max(maxEpoch, batch.partitionLeaderEpoch());
            }
            if (maxEpoch > partition.leaderEpoch) {
                // Appended next time round, once the local epoch caught up with the source's.
                owner.raiseEpoch(partition, maxEpoch);
                sleep(20);
                return;
            }
            if (!partition.appendMirrored(fromOffset)) {
                running = false; // no longer the leader, or promoted: the reconciler decides what follows
                state = State.STOPPED;
                return;
            }
        }
        if (pd.logStartOffset() > partition.log.logStartOffset()) {
            // Retention or DeleteRecords on the source: the mirror follows (never past what it holds).
            partition.log.deleteRecordsBefore(Math.min(pd.logStartOffset(), partition.log.highWatermark()));
        }
        if (state != State.FOLLOWING) {
            log.info("Mirror {} follows {} from offset {}", partition.tp, cluster.partition(), offset);
        }
        state = State.FOLLOWING;
        lastError = "";
    }

    /**
     * The batches from the one holding {@code offset} on, or null when a batch starts below it: a log whose
     * start fell inside a batch (DeleteRecords on the source). An empty mirror then starts at that batch.
     */
    private MemoryRecords from(MemoryRecords records, long offset) {
        int position = 0;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.lastOffset() < offset) {
                position += batch.sizeInBytes();
                continue;
            }
            if (batch.baseOffset() < offset) {
                if (partition.log.logStartOffset() == partition.log.logEndOffset()) {
                    restartAt(batch.baseOffset());
                } else {
                    fail(String.format("source batch %d..%d of %s straddles the mirror's log end %d",
                            batch.baseOffset(), batch.lastOffset(), cluster.partition(), offset));
                }
                return null;
            }
            break;
        }
        if (position == 0) {
            return records;
        }
        ByteBuffer rest = records.buffer().duplicate();
        rest.position(rest.position() + position);
        return MemoryRecords.readableRecords(rest.slice());
    }

    /**
     * The source does not have {@code offset}: it starts above it (retention there; the mirror starts over at
     * the source's log start) or ends below it (records the mirror holds are gone from the source).
     */
    private void onOutOfRange(long offset) throws IOException {
        long earliest = cluster.listOffset(ListOffsetsRequest.EARLIEST_TIMESTAMP);
        if (offset < earliest) {
            log.warn("Mirror {} ends at {}, below the log start {} of {}; starting over there", partition.tp, offset,
                    earliest, cluster.partition());
            restartAt(earliest);
            return;
        }
        long latest = cluster.listOffset(ListOffsetsRequest.LATEST_TIMESTAMP);
        if (offset <= latest) {
            return; // in range again (a new source leader catching up its high watermark)
        }
        cluster.forgetLeader();
        if (++outOfRange < OUT_OF_RANGE_LIMIT) {
            unavailable("the source " + cluster.partition() + " ends at " + latest + ", below the mirror's " + offset);
            return;
        }
        fail(String.format("the source %s ends at offset %d, below this mirror's log end %d: records the mirror "
                        + "holds are gone from the source (an unclean leader election there?). Mirroring of %s stopped; "
                        + "promote the mirror topic, or delete and re-create it", cluster.partition(), latest, offset,
                partition.tp));
    }

    private void restartAt(long offset) {
        synchronized (partition) {
            if (partition.isLocalLeader() && partition.mirrorSource().isPresent()) {
                logs.truncateFullyAndStartAt(partition.log, offset);
            }
        }
    }

    private void fail(String message) {
        lastError = message;
        state = State.SOURCE_TRUNCATED;
        running = false;
        log.error("Mirror {} of {}: {}", partition.tp, source, message);
    }

    private void unavailable(String why) {
        if (state != State.SOURCE_UNAVAILABLE) {
            log.warn("Mirror {} cannot follow {} for now: {}", partition.tp, source, why);
        }
        state = State.SOURCE_UNAVAILABLE;
        lastError = why;
        sleep(200);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops following (leadership or the topic's mirror configs changed); waits briefly for the thread. */
    void shutdown() {
        running = false;
        if (state != State.SOURCE_TRUNCATED) {
            state = State.STOPPED;
        }
        thread.interrupt();
        cluster.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
