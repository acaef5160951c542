package io.sluice.broker.group;

import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The coordinator's appender in unit tests: appends to the real local logs at once, as a leader would.
 * While {@link #hold holding}, each write's replication outcome is left to the test, in the order the
 * writes were appended; {@link #refuseNext} makes the next append fail the way a leader refuses one.
 */
final class HeldReplication implements ReplicatedAppender {
    private final ReplicatedAppender log;
    private final BlockingQueue<CompletableFuture<Errors>> held = new LinkedBlockingQueue<>();
    private final AtomicReference<RuntimeException> refusal = new AtomicReference<>();
    private volatile boolean holding;

    HeldReplication(ReplicatedAppender log) {
        this.log = log;
    }

    @Override
    public Appended append(TopicPartition tp, MemoryRecords records) {
        RuntimeException refuse = refusal.getAndSet(null);
        if (refuse != null) {
            throw refuse;
        }
        Appended appended = log.append(tp, records);
        if (!holding) {
            return appended;
        }
        CompletableFuture<Errors> outcome = new CompletableFuture<>();
        held.add(outcome);
        return new Appended(appended.result(), outcome);
    }

    /** From now on every write waits for the test to complete its outcome. */
    void hold() {
        holding = true;
    }

    void refuseNext(RuntimeException e) {
        refusal.set(e);
    }

    /** The replication outcome of the oldest held write not yet taken (waits for the write). */
    CompletableFuture<Errors> next() {
        try {
            CompletableFuture<Errors> next = held.poll(10, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("No write within 10 s");
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Held writes not yet taken by {@link #next}. */
    int waiting() {
        return held.size();
    }
}
