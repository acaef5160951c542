package io.sluice.mirror;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A connector's background jobs (topic refresh, config sync, group refresh) on one daemon thread; a job that
 * throws is logged and runs again at its next turn, so one unreachable cluster never stops the connector.
 */
public final class Periodic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Periodic.class);

    /** A job that may fail. */
    @FunctionalInterface
    public interface Job {
        void run() throws Exception;
    }

    private final ScheduledExecutorService executor;

    public Periodic(String name) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    public void every(Duration interval, String what, Job job) {
        executor.scheduleWithFixedDelay(() -> {
            try {
                job.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                log.warn("{} failed; trying again in {} s: {}", what, interval.toSeconds(), e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
