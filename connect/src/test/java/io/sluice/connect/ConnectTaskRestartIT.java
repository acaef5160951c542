package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.testplugins.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** sluice.task.restart.*: failed tasks restart by themselves with backoff, up to max.attempts. */
class ConnectTaskRestartIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;
    WorkerFixture worker;

    @Test
    void aTaskFailingTwiceRestartsByItselfAndShowsItsFailureMeanwhile() {
        workers.broker().createTopic("restarted", 1, Map.of());
        // Worker defaults, overridden by the connector below: the connector's settings must win.
        worker = workers.start(dir, Map.of("sluice.task.restart.initial.backoff.ms", "60000"));
        Map<String, String> config = source("flaky", 2);
        config.put("sluice.task.restart.initial.backoff.ms", "300");
        config.put("sluice.task.restart.max.backoff.ms", "2000");
        assertThat(worker.rest.put("/connectors/flaky/config", config).status()).isEqualTo(201);

        List<String> seen = new ArrayList<>();
        List<String> traces = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            JsonNode status = worker.taskStatus("flaky", 0);
            if (status == null || !status.has("state")) {
                return false;
            }
            String state = status.get("state").asText();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) {
                seen.add(state);
            }
            if (status.has("trace")) {
                traces.add(status.get("trace").asText());
            }
            return state.equals("RUNNING") && Recorder.starts("flaky") == 3;
        });
        assertThat(seen).contains("FAILED").endsWith("RUNNING");
        assertThat(traces).anySatisfy(t -> assertThat(t).contains("start number 1 of flaky fails on purpose"));
        assertThat(worker.read("restarted", 4)).extracting(WorkerFixture::value).containsExactly("v0", "v1", "v2", "v3");
        JsonNode metrics = worker.rest.get("/connectors/flaky/metrics").body().get("tasks").get(0);
        assertThat(metrics.get("auto-restarts").asInt()).isEqualTo(2);
        assertThat(Recorder.starts("flaky")).isEqualTo(3);
        assertThat(worker.taskState("flaky", 0)).isEqualTo("RUNNING");
    }

    @Test
    void afterMaxAttemptsTheTaskStaysFailedAndAManualRestartStillWorks() throws InterruptedException {
        workers.broker().createTopic("given-up", 1, Map.of());
        worker = workers.start(dir, Map.of("sluice.task.restart.initial.backoff.ms", "100",
                "sluice.task.restart.max.attempts", "2"));
        Map<String, String> config = source("doomed", 3);
        config.put("topic", "given-up");
        assertThat(worker.rest.put("/connectors/doomed/config", config).status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> Recorder.starts("doomed") == 3
                && worker.taskState("doomed", 0).equals("FAILED"));
        // Two automatic restarts (100 ms, then 200 ms) were all it had: well past a third backoff it stays FAILED.
        Thread.sleep(1_500);
        assertThat(Recorder.starts("doomed")).isEqualTo(3);
        assertThat(worker.taskStatus("doomed", 0).get("trace").asText())
                .contains("start number 3 of doomed fails on purpose");

        assertThat(worker.rest.post("/connectors/doomed/tasks/0/restart", null).status()).isEqualTo(204);
        worker.awaitTaskState("doomed", 0, "RUNNING");
        assertThat(Recorder.starts("doomed")).isEqualTo(4);
        assertThat(worker.read("given-up", 4)).extracting(WorkerFixture::value).containsExactly("v0", "v1", "v2", "v3");
    }

    @Test
    void restartsCanBeTurnedOffPerConnector() throws InterruptedException {
        worker = workers.start(dir, Map.of("sluice.task.restart.initial.backoff.ms", "100"));
        Map<String, String> config = source("no-restarts", 1);
        config.put("sluice.task.restart.enable", "false");
        assertThat(worker.rest.put("/connectors/no-restarts/config", config).status()).isEqualTo(201);
        worker.awaitTaskState("no-restarts", 0, "FAILED");
        Thread.sleep(1_000);
        assertThat(Recorder.starts("no-restarts")).isEqualTo(1);
        assertThat(worker.taskState("no-restarts", 0)).isEqualTo("FAILED");
        assertThat(worker.rest.put("/connectors/bad-policy/config", Map.of("connector.class", "CountingSource",
                "sluice.task.restart.max.attempts", "-2")).status()).isEqualTo(400);
    }

    @Test
    void aRetriablePollFailureIsRetriedWithoutFailingTheTask() {
        workers.broker().createTopic("busy", 1, Map.of());
        worker = workers.start(dir, Map.of());
        Map<String, String> config = source("busy", 0);
        config.put("topic", "busy");
        config.put("poll.retriable.failures", "3");
        assertThat(worker.rest.put("/connectors/busy/config", config).status()).isEqualTo(201);
        assertThat(worker.read("busy", 4)).extracting(WorkerFixture::value).containsExactly("v0", "v1", "v2", "v3");
        assertThat(worker.taskState("busy", 0)).isEqualTo("RUNNING");
        assertThat(Recorder.starts("busy")).isEqualTo(1);
    }

    private static Map<String, String> source(String name, int failStarts) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.sluice.connect.testplugins.CountingSourceConnector");
        config.put("topic", "restarted");
        config.put("count", "4");
        config.put("fail.starts", String.valueOf(failStarts));
        return config;
    }
}
