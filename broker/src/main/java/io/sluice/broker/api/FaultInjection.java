package io.sluice.broker.api;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only fault switches. Everything here is off unless a test arms it; production code never arms
 * it, and an unarmed switch costs one volatile read.
 *
 * <p>{@link #dropProduceResponses(int)}: the next {@code n} produce requests (acks != 0) that append
 * something are appended and then answered by closing the connection, which is what a client sees
 * when the broker's response is lost after the write: it reconnects and retries the same batches
 * with the same sequence numbers.
 * The switches are static, so they act on every broker in the JVM: tests that arm them must
 * {@link #reset()} afterwards.
 */
public final class FaultInjection {
    private static final AtomicInteger produceResponsesToDrop = new AtomicInteger();
    private static final AtomicInteger droppedProduceResponses = new AtomicInteger();

    private FaultInjection() {
    }

    /** Arms the switch: the responses of the next {@code n} successful produce requests are lost. */
    public static void dropProduceResponses(int n) {
        produceResponsesToDrop.set(n);
    }

    /** How many produce responses have been dropped since the last {@link #reset()}. */
    public static int droppedProduceResponses() {
        return droppedProduceResponses.get();
    }

    /** Disarms every switch and clears the counters. */
    public static void reset() {
        produceResponsesToDrop.set(0);
        droppedProduceResponses.set(0);
    }

    /** Whether this successful produce request's response is to be dropped; consumes one drop if so. */
    static boolean takeProduceResponseDrop() {
        if (produceResponsesToDrop.get() <= 0) {
            return false;
        }
        if (produceResponsesToDrop.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            droppedProduceResponses.incrementAndGet();
            return true;
        }
        return false;
    }
}
