package io.sluice.connect.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three distributed workers in child JVMs; the one running source tasks is SIGKILLed. Its connectors and tasks must
 * run on the survivors within session.timeout.ms (6 s) + 10 s — not after scheduled.rebalance.max.delay.ms — and
 * every source line reaches the topic (at least once: the new owner resumes from the last committed offsets).
 */
class ConnectDistributedFailoverIT {
    static final Pattern READY = Pattern.compile("WORKER READY (\\S+)");
    static final int SESSION_TIMEOUT_MS = 6_000;

    @TempDir
    Path dir;
    TestBroker broker;
    final Map<String, ChildJvm> workers = new LinkedHashMap<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (ChildJvm worker : workers.values()) {
            worker.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static Map<String, ChildJvm> startWorkers(Path dir, TestBroker broker, String group, int count, String... extra)
            throws Exception {
        List<ChildJvm> started = new ArrayList<>();
        ConnectDistributedIT.createInternalTopics(broker, group);
        for (int i = 0; i < count; i++) {
            List<String> args = new ArrayList<>(List.of(broker.bootstrap(), group));
            args.addAll(List.of(extra));
            // Under target/, not the temporary directory, so that a failed run's worker logs remain to read.
            Path logs = Files.createDirectories(Path.of("target", "it-logs"));
            started.add(new ChildJvm(logs.resolve(group + "-worker-" + i + ".log"), "256m",
                    DistributedWorkerMain.class.getName(), args).start());
        }
        Map<String, ChildJvm> byUrl = new LinkedHashMap<>();
        for (ChildJvm worker : started) {
            byUrl.put(worker.awaitLine(READY, 240_000).group(1), worker);
        }
        return byUrl;
    }

    /** The worker id ({@code host:port}) of a worker URL, as statuses report it. */
    static String workerId(String url) {
        return url.replaceFirst("^http://", "").replaceFirst("/$", "");
    }

    @Test
    void aKilledWorkersTasksRunElsewhereWithinTheSessionTimeoutAndNoLineIsLost() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("failover", 1, Map.of());
        workers.putAll(startWorkers(dir, broker, "failover-it", 3,
                "session.timeout.ms=" + SESSION_TIMEOUT_MS));
        RestClient any = new RestClient(workers.keySet().iterator().next());
        List<String> connectors = List.of("src0", "src1", "src2");
        Set<String> expected = new HashSet<>();
        for (int c = 0; c < connectors.size(); c++) {
            Path input = dir.resolve("in-" + c + ".txt");
            StringBuilder lines = new StringBuilder();
            for (int n = 0; n < 200; n++) {
                lines.append(c).append('-').append(n).append('\n');
                expected.add(c + "-" + n);
            }
            Files.writeString(input, lines);
            RestClient.Response created = any.post("/connectors", Map.of("name", connectors.get(c), "config", Map.of(
                    "connector.class", "FileStreamSource", "file", input.toString(), "topic", "failover")));
            assertThat(created.status()).isEqualTo(201);
        }
        for (String connector : connectors) {
            ConnectDistributedIT.awaitState(any, connector, "RUNNING", "RUNNING");
        }
        String victim = any.get("/connectors/src0/status").body().path("tasks").get(0).path("worker_id").asText();
        String victimUrl = workers.keySet().stream().filter(url -> workerId(url).equals(victim)).findFirst()
                .orElseThrow();
        workers.get(victimUrl).kill();
        long killedAt = System.currentTimeMillis();
        ChildJvm dead = workers.remove(victimUrl);
        RestClient survivor = new RestClient(workers.keySet().iterator().next());
        for (int c = 0; c < connectors.size(); c++) {
            StringBuilder lines = new StringBuilder();
            for (int n = 200; n < 400; n++) {
                lines.append(c).append('-').append(n).append('\n');
                expected.add(c + "-" + n);
            }
            Files.writeString(dir.resolve("in-" + c + ".txt"), lines, StandardOpenOption.APPEND);
        }

        await().atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 10_000)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    for (String connector : connectors) {
                        JsonNode status = survivor.get("/connectors/" + connector + "/status").body();
                        assertThat(status.path("connector").path("worker_id").asText()).isNotEqualTo(victim);
                        assertThat(status.path("tasks")).isNotEmpty();
                        for (JsonNode task : status.path("tasks")) {
                            assertThat(task.path("state").asText()).isEqualTo("RUNNING");
                            assertThat(task.path("worker_id").asText()).isNotEqualTo(victim);
                        }
                    }
                });
        System.out.printf("Tasks of the killed worker %s running elsewhere %d ms after SIGKILL%n", victim,
                System.currentTimeMillis() - killedAt);
        dead.close();

        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer("failover-check", Map.of())) {
            consumer.subscribe(List.of("failover"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.value());
                }
                return seen.containsAll(expected);
            });
        }
        assertThat(seen).containsAll(expected);
    }
}
