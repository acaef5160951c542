package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.broker.log.LogTestSupport.batch;
import static io.sluice.broker.log.LogTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

/** num.recovery.threads.per.data.dir: logs of every dir are opened, and recovered, by several threads at once. */
class ParallelRecoveryTest {

    @Test
    void everyLogOfEveryDirIsRecoveredAfterAnUncleanShutdown(@TempDir Path root) throws Exception {
        List<Path> dirs = List.of(root.resolve("a"), root.resolve("b"));
        Map<TopicPartition, LogConfig> wanted = new HashMap<>();
        try (LogManager manager = new LogManager(dirs)) {
            for (int p = 0; p < 12; p++) {
                TopicPartition tp = new TopicPartition("orders", p);
                wanted.put(tp, config(Map.of()));
                PartitionLog log = manager.getOrCreate(tp, wanted::get);
                for (int i = 0; i <= p; i++) {
                    log.append(batch(i, "k", "v"), 0);
                }
            }
        }
        for (Path dir : dirs) {
            Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        }
        // A torn tail on one log: recovery must truncate it, whichever thread opens it.
        Path torn = dirs.stream().map(d -> d.resolve("orders-5")).filter(Files::isDirectory).findFirst().orElseThrow()
                .resolve(LogSegment.fileName(0, LogSegment.LOG));
        Files.write(torn, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99}, StandardOpenOption.APPEND);

        try (LogManager manager = new LogManager(dirs)) {
            manager.openExisting(wanted, Map.of(), 3);
            assertThat(manager.all()).hasSize(12);
            for (int p = 0; p < 12; p++) {
                assertThat(manager.get(new TopicPartition("orders", p)).orElseThrow().logEndOffset()).isEqualTo(p + 1);
            }
        }
    }
}
