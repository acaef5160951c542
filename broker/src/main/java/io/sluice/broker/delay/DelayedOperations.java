package io.sluice.broker.delay;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests that wait on partitions (Kafka's "purgatory"): long-poll fetches waiting for data
 * ({@code fetch.min.bytes} / {@code fetch.max.wait.ms}) and acks=all appends waiting for the in-sync
 * replicas. A waiter is retried when one of its partitions is woken (an append, a high watermark
 * move) and completed at its deadline at the latest; deadlines sit in a timer wheel rather than in
 * sleeping threads, and retries run on the given executor, never on the waking thread.
 */
public final class DelayedOperations implements AutoCloseable {
    /** A parked request: {@code tryComplete} checks again and answers if it can now. */
    public interface Waiter {
        boolean tryComplete(boolean deadlineReached);
    }

    private final HashedWheelTimer timer = new HashedWheelTimer(
            new io.netty.util.concurrent.DefaultThreadFactory("sluice-delayed-ops-timer", true), 5, TimeUnit.MILLISECONDS);
    private final Map<TopicPartition, Set<Parked>> byPartition = new ConcurrentHashMap<>();
    private final Executor executor;

    private final class Parked {
        final Waiter waiter;
        final Collection<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile Timeout timeout;

        Parked(Waiter waiter, Collection<TopicPartition> partitions) {
            this.waiter = waiter;
            this.partitions = partitions;
        }

        void attempt(boolean deadline) {
            if (done.get()) {
                return;
            }
            synchronized (this) {
                if (done.get()) {
                    return;
                }
                if (waiter.tryComplete(deadline) || deadline) {
                    done.set(true);
                    if (timeout != null) {
                        timeout.cancel();
                    }
                    for (TopicPartition tp : partitions) {
                        Set<Parked> set = byPartition.get(tp);
                        if (set != null) {
                            set.remove(this);
                        }
                    }
                }
            }
        }
    }

    public DelayedOperations(Executor executor) {
        this.executor = executor;
    }

    public void park(Waiter waiter, Collection<TopicPartition> partitions, long maxWaitMs) {
        Parked parked = new Parked(waiter, partitions);
        for (TopicPartition tp : partitions) {
            byPartition.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(parked);
        }
        parked.timeout = timer.newTimeout(t -> executor.execute(() -> parked.attempt(true)), maxWaitMs, TimeUnit.MILLISECONDS);
        // Data may have arrived between the first read and registering: look once more.
        parked.attempt(false);
    }

    /** Called after an append to {@code tp}. */
    public void wake(TopicPartition tp) {
        Set<Parked> waiting = byPartition.get(tp);
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (Parked parked : waiting) {
            executor.execute(() -> parked.attempt(false));
        }
    }

    @Override
    public void close() {
        timer.stop();
    }
}
