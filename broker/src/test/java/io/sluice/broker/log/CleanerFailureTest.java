package io.sluice.broker.log;

import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sluice.broker.log.LogTestSupport.TP;
import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** A cleaner that fails must not hold on to the log it picked: deleting that log must not wait for it. */
class CleanerFailureTest {
    @TempDir
    Path dir;

    @Test
    void aDedupeBufferTooSmallForOneEntryStopsTheThreadWithoutBlockingDeletion() throws Exception {
        // 16 bytes cannot hold one 24-byte offset map entry: the map cannot be allocated.
        CleanerConfig tooSmall = CleanerConfig.defaults().withDedupeBufferSize(16);
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (LogManager logs = new LogManager(List.of(dir), Time.SYSTEM, 60_000L, tooSmall)) {
            PartitionLog log = logs.getOrCreate(TP, tp -> config(Map.of("segment.bytes", "1024",
                    "cleanup.policy", "compact", "min.compaction.lag.ms", "0")));
            for (int i = 0; i < 100; i++) {
                log.append(batch(System.currentTimeMillis(), "k" + (i % 3), "x".repeat(80)), 0);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);
            logs.startBackgroundTasks(3_600_000L, 10L, 3_600_000L);
            // It picks the dirty log, cannot allocate its map, gives the log back and stops (it was started
            // by startBackgroundTasks, so a thread not listed any more has ended).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cleanerThreadsSince(before) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(cleanerThreadsSince(before)).isZero();

            Path logDir = log.dir();
            CompletableFuture<Void> deletion = CompletableFuture.runAsync(() -> logs.delete(TP));
            deletion.get(10, TimeUnit.SECONDS);
            assertThat(Files.exists(logDir)).isFalse();
            assertThat(logs.get(TP)).isEmpty();
        }
    }

    @Test
    void anAbortDoesNotWaitForACleaningWhoseThreadDied() throws Exception {
        LogCleanerManager manager = new LogCleanerManager(List.of());
        try (PartitionLog log = PartitionLog.open(dir.resolve("t-0"), TP, config(Map.of("cleanup.policy", "compact")),
                LogOptions.defaults())) {
            // A thread that took the log and died without ending its cleaning (an Error, say).
            Thread dead = new Thread(() -> manager.grab(log, System.currentTimeMillis()));
            dead.start();
            dead.join();
            assertThat(manager.state(TP)).contains(LogCleanerManager.State.IN_PROGRESS);

            // Guards against the hang this test is about; not a speed assertion.
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> manager.abortAndPause(TP));
            assertThat(manager.state(TP)).contains(LogCleanerManager.State.PAUSED);
        }
    }

    private static long cleanerThreadsSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().startsWith("sluice-log-cleaner-"))
                .count();
    }
}
