package io.sluice.connect.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.SourceCrashLoop;
import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly-once FileStreamSource ({@link SourceCrashLoop}'s load) on distributed workers in child JVMs with
 * {@code exactly.once.source.support=enabled}, the worker running the task SIGKILLed mid-load. The new owner's
 * {@code initTransactions} on the task's transactional id aborts the dead owner's open transaction and fences it, so
 * the topic read read_committed holds every line exactly once, in order.
 */
class ExactlyOnceDistributedCrashIT {
    static final String CONNECTOR = "eos-src";
    static TestBroker broker;

    @TempDir
    Path dir;
    final Map<String, ChildJvm> workers = new LinkedHashMap<>();

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (ChildJvm worker : workers.values()) {
            worker.close();
        }
        workers.clear();
    }

    @Test
    void aKilledWorkersExactlyOnceTaskRunsElsewhereWithinTheSessionTimeoutWithEveryLineOnce() throws Exception {
        String topic = "eos-failover";
        broker.createTopic(topic, 1, Map.of());
        workers.putAll(ConnectDistributedFailoverIT.startWorkers(dir, broker, "eos-failover", 3,
                "exactly.once.source.support=enabled"));
        createConnector(topic);
        String victim = awaitTaskOwner();
        awaitProgress(topic, 2_000);
        ChildJvm dead = workers.remove(url(victim));
        dead.kill();
        long killedAt = System.currentTimeMillis();
        assertThat(SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_COMMITTED))
                .as("killed mid-load").isLessThan(SourceCrashLoop.LINES);

        RestClient survivor = new RestClient(workers.keySet().iterator().next());
        await().atMost(Duration.ofMillis(ConnectDistributedFailoverIT.SESSION_TIMEOUT_MS + 10_000))
                .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    JsonNode task = survivor.get("/connectors/" + CONNECTOR + "/status").body().path("tasks").path(0);
                    assertThat(task.path("state").asText()).isEqualTo("RUNNING");
                    assertThat(task.path("worker_id").asText()).isNotEqualTo(victim);
                });
        System.out.printf("The killed worker's exactly-once task runs elsewhere %d ms after SIGKILL%n",
                System.currentTimeMillis() - killedAt);

        List<String> values = SourceCrashLoop.readCommitted(broker, topic, Duration.ofSeconds(120));
        assertThat(values).hasSize(SourceCrashLoop.LINES);
        assertThat(values).isEqualTo(SourceCrashLoop.expected());
    }

    @Test
    void theWorkerRunningAnExactlyOnceTaskSigkilledFiveTimesMidLoadLeavesEveryLineOnce() throws Exception {
        String topic = "eos-kills";
        broker.createTopic(topic, 1, Map.of());
        workers.putAll(ConnectDistributedFailoverIT.startWorkers(dir, broker, "eos-kills", 2,
                "exactly.once.source.support=enabled"));
        createConnector(topic);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int kill = 1; kill <= SourceCrashLoop.KILLS; kill++) {
            String owner = awaitTaskOwner();
            awaitProgress(topic, 1);
            Thread.sleep(random.nextInt(200));
            ChildJvm victim = workers.remove(url(owner));
            victim.kill();
            System.out.printf("kill %d of %s (seed %d): topic end %d, last stable offset %d%n", kill, owner, seed,
                    SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_UNCOMMITTED),
                    SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_COMMITTED));
            // Paused while the victim restarts (JVM start-up on a busy machine takes long), so that the survivor
            // does not finish the load meanwhile and every kill lands mid-load. Sent to the survivor, which waits out
            // the rebalance if the victim was the leader.
            RestClient survivor = new RestClient(workers.keySet().iterator().next());
            assertThat(survivor.put("/connectors/" + CONNECTOR + "/pause", null).status()).isEqualTo(202);
            victim.start();
            workers.put(victim.awaitLine(ConnectDistributedFailoverIT.READY, 120_000).group(1), victim);
            assertThat(survivor.put("/connectors/" + CONNECTOR + "/resume", null).status()).isEqualTo(202);
        }
        assertThat(SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_COMMITTED))
                .as("the load must still be under way after the kills (seed %d)", seed)
                .isLessThan(SourceCrashLoop.LINES);

        List<String> values = SourceCrashLoop.readCommitted(broker, topic, Duration.ofSeconds(120));
        assertThat(values).hasSize(SourceCrashLoop.LINES);
        assertThat(values).isEqualTo(SourceCrashLoop.expected());
    }

    private void createConnector(String topic) throws Exception {
        Path input = dir.resolve(topic + ".txt");
        Files.write(input, SourceCrashLoop.expected());
        RestClient any = new RestClient(workers.keySet().iterator().next());
        RestClient.Response created = any.post("/connectors", Map.of("name", CONNECTOR,
                "config", SourceCrashLoop.connectorConfig(input, topic, true)));
        assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    }

    /** The id of the live worker that runs task 0, once one does (a dead owner's stale status does not count). */
    private String awaitTaskOwner() {
        String[] owner = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            RestClient any = new RestClient(workers.keySet().iterator().next());
            JsonNode task = any.get("/connectors/" + CONNECTOR + "/status").body().path("tasks").path(0);
            assertThat(task.path("state").asText()).isEqualTo("RUNNING");
            owner[0] = task.path("worker_id").asText();
            assertThat(workers.keySet()).contains(url(owner[0]));
        });
        return owner[0];
    }

    /** Waits until the task has produced at least {@code records} more records (a mid-load moment). */
    private void awaitProgress(String topic, int records) throws Exception {
        long before = SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_UNCOMMITTED);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() ->
                SourceCrashLoop.endOffset(broker, topic, IsolationLevel.READ_UNCOMMITTED) > before + records);
    }

    private static String url(String workerId) {
        return "http://" + workerId + "/";
    }
}
