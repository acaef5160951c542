package io.sluice.broker.log;

import org.apache.kafka.common.utils.Time;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the cleaner threads together to {@code log.cleaner.io.max.bytes.per.second}: each reports the
 * bytes it read or wrote, and is put to sleep when the rate over the current check window exceeds the
 * limit, for as long as brings the rate back to it. Shared by every cleaner thread.
 */
final class Throttler {
    private static final long CHECK_INTERVAL_MS = 300L;

    private final double desiredBytesPerSecond;
    private final Time time;
    /** Released when the cleaner stops: its threads must not sleep through the shutdown. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private long periodStartNs;
    private double observedSoFar;

    Throttler(double desiredBytesPerSecond, Time time) {
        this.desiredBytesPerSecond = desiredBytesPerSecond;
        this.time = time;
        this.periodStartNs = time.nanoseconds();
    }

    boolean unlimited() {
        return desiredBytesPerSecond >= Double.MAX_VALUE / 2;
    }

    void maybeThrottle(long observed) throws InterruptedException {
        if (unlimited()) {
            return;
        }
        long sleepMs = 0;
        synchronized (this) {
            observedSoFar += observed;
            long now = time.nanoseconds();
            long elapsedNs = now - periodStartNs;
            if (elapsedNs > CHECK_INTERVAL_MS * 1_000_000L) {
                double rate = observedSoFar * 1_000_000_000.0 / elapsedNs;
                if (rate > desiredBytesPerSecond) {
                    double desiredMs = observedSoFar / desiredBytesPerSecond * 1000.0;
                    sleepMs = Math.round(desiredMs - elapsedNs / 1_000_000.0);
                }
                periodStartNs = now + sleepMs * 1_000_000L;
                observedSoFar = 0;
            }
        }
        if (sleepMs > 0) {
            stopped.await(sleepMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Ends the current sleeps and makes later ones return at once. */
    void stop() {
        stopped.countDown();
    }
}
