package io.sluice.broker.txn;

import io.sluice.broker.network.BrokerClient;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends transaction markers to one other broker with WriteTxnMarkers, on its own thread. Markers
 * queued while a request is out go together in the next one, so a busy coordinator sends few large
 * requests instead of one per partition. Each marker's future completes with the partition's error
 * from the response, or NETWORK_EXCEPTION when the broker could not be reached (the coordinator
 * retries both kinds it considers retriable).
 */
final class MarkerChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MarkerChannel.class);
    /** Transaction protocol v1 markers. */
    private static final short WRITE_TXN_MARKERS_VERSION = 1;
    private static final int MAX_MARKERS_PER_REQUEST = 1_000;
    /** A channel with nothing to send for this long ends (its broker may be gone for good). */
    private static final long IDLE_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** One partition's marker of one transaction. */
    record Marker(TopicPartition tp, long producerId, short producerEpoch, boolean commit, int coordinatorEpoch) {
    }

    private record Queued(Marker marker, CompletableFuture<Errors> result) {
    }

    /** What the markers of one transaction share; one WriteTxnMarkers entry each. */
    private record Txn(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch) {
    }

    private final int brokerId;
    private final BrokerClient client;
    private final BlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Consumer<MarkerChannel> onExit;
    /** Guarded by {@code this} where it turns false, so that nothing is queued after the last drain. */
    private volatile boolean running = true;

    /** @param onExit called when the channel ended on its own after being idle */
    MarkerChannel(int localBrokerId, int brokerId, Supplier<Optional<Node>> node, int requestTimeoutMs,
                  Consumer<MarkerChannel> onExit) {
        this.brokerId = brokerId;
        this.onExit = onExit;
        this.client = new BrokerClient(node, "sluice-txn-markers-" + localBrokerId, requestTimeoutMs + 5_000);
        this.thread = new Thread(this::run, "sluice-txn-markers-" + localBrokerId + "-to-" + brokerId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues the marker; an ended channel answers BROKER_NOT_AVAILABLE (retriable: a new channel is made). */
    CompletableFuture<Errors> send(Marker marker) {
        CompletableFuture<Errors> result = new CompletableFuture<>();
        synchronized (this) {
            if (running) {
                queue.add(new Queued(marker, result));
                return result;
            }
        }
        result.complete(Errors.BROKER_NOT_AVAILABLE);
        return result;
    }

    private void run() {
        long lastSent = System.nanoTime();
        while (running) {
            List<Queued> batch = new ArrayList<>();
            try {
                Queued first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (System.nanoTime() - lastSent > IDLE_CLOSE_NANOS) {
                        endIfStillIdle();
                    }
                    continue;
                }
                lastSent = System.nanoTime();
                batch.add(first);
                queue.drainTo(batch, MAX_MARKERS_PER_REQUEST - 1);
                deliver(batch);
            } catch (InterruptedException e) {
                batch.forEach(q -> q.result().complete(Errors.BROKER_NOT_AVAILABLE));
                break;
            } catch (RuntimeException | Error e) {
                // Whatever went wrong, every marker taken must be answered: the coordinator waits on it.
                log.error("Sending markers to broker {} failed", brokerId, e);
                batch.forEach(q -> q.result().complete(Errors.UNKNOWN_SERVER_ERROR));
            }
        }
        client.close();
        Queued left;
        while ((left = queue.poll()) != null) {
            left.result().complete(Errors.BROKER_NOT_AVAILABLE);
        }
    }

    private void endIfStillIdle() {
        synchronized (this) {
            if (!queue.isEmpty()) {
                return;
            }
            running = false;
        }
        log.debug("Marker channel to broker {} idle; closing it", brokerId);
        onExit.accept(this);
    }

    private void deliver(List<Queued> batch) {
        Map<Txn, List<TopicPartition>> byTxn = new LinkedHashMap<>();
        for (Queued q : batch) {
            Marker m = q.marker();
            byTxn.computeIfAbsent(new Txn(m.producerId(), m.producerEpoch(), m.commit(), m.coordinatorEpoch()),
                    k -> new ArrayList<>()).add(m.tp());
        }
        List<WriteTxnMarkersRequest.TxnMarkerEntry> entries = new ArrayList<>();
        byTxn.forEach((txn, partitions) -> entries.add(new WriteTxnMarkersRequest.TxnMarkerEntry(txn.producerId(),
                txn.producerEpoch(), txn.coordinatorEpoch(),
                txn.commit() ? TransactionResult.COMMIT : TransactionResult.ABORT, partitions, (short) 0)));
        Map<Long, Map<TopicPartition, Errors>> errors;
        try {
            WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) client.send(
                    new WriteTxnMarkersRequest.Builder(entries).build(WRITE_TXN_MARKERS_VERSION));
            errors = response.errorsByProducerId();
        } catch (IOException e) {
            log.debug("Markers to broker {} not delivered: {}", brokerId, e.toString());
            batch.forEach(q -> q.result().complete(Errors.NETWORK_EXCEPTION));
            return;
        }
        for (Queued q : batch) {
            Errors error = errors.getOrDefault(q.marker().producerId(), Map.of()).get(q.marker().tp());
            q.result().complete(error == null ? Errors.UNKNOWN_SERVER_ERROR : error);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        thread.interrupt();
        client.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
