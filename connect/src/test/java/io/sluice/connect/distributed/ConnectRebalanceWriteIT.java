package io.sluice.connect.distributed;

import io.sluice.connect.ConnectDistributed;
import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A write during a rebalance waits (bounded) for the group to settle rather than answering 409, as Kafka Connect
 * does: on a worker that is still joining, and on a follower whose leader was just SIGKILLed (its leader URL stale
 * until the session times out and the group rebalances).
 */
class ConnectRebalanceWriteIT {
    @TempDir
    Path dir;
    TestBroker broker;
    ChildJvm leader;
    ConnectDistributed follower;

    @AfterEach
    void stop() throws InterruptedException {
        if (leader != null) {
            leader.close();
        }
        if (follower != null) {
            follower.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void writesDuringARebalanceWaitForItAndSucceed() throws Exception {
        broker = TestBroker.start();
        String group = "rebalance-writes";
        // The first worker alone in the group: its leader.
        leader = ConnectDistributedFailoverIT.startWorkers(dir, broker, group, 1).values().iterator().next();
        Path input = dir.resolve("in.txt");
        Files.writeString(input, "one\n");
        Map<String, String> settings = ConnectDistributedIT.workerSettings(broker.bootstrap(), group);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        settings.put("listeners", "http://127.0.0.1:" + port);
        CompletableFuture<ConnectDistributed> joining = CompletableFuture.supplyAsync(
                () -> ConnectDistributed.start(settings));
        RestClient joiner = new RestClient("http://127.0.0.1:" + port + "/");

        // As soon as the joining worker's REST API listens — before it is in the group — a write on it.
        RestClient.Response first = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                // A worker answers 503 "still starting up" between listening and the routes being registered.
                .until(() -> joiner.post("/connectors", source("during-join", input)), r -> r.status() != 503);
        boolean joinedBefore = joining.isDone();
        assertThat(first.status()).as("%s", first.body()).isEqualTo(201);
        follower = joining.get(60, TimeUnit.SECONDS);
        System.out.printf("Write on a joining worker: 201 (worker had %s joined when it answered)%n",
                joinedBefore ? "already" : "not yet");
        assertThat(follower.herder().isLeader()).isFalse();

        // The leader dies without leaving the group: the follower still forwards to it until the session times out.
        leader.kill();
        RestClient.Response second = joiner.post("/connectors", source("after-leader-died", input));
        assertThat(second.status()).as("%s", second.body()).isEqualTo(201);
        assertThat(follower.herder().isLeader()).isTrue();
        assertThat(ConnectDistributedIT.names(joiner.get("/connectors").body()))
                .containsExactlyInAnyOrder("during-join", "after-leader-died");
        ConnectDistributedIT.awaitState(joiner, "after-leader-died", "RUNNING", "RUNNING");
    }

    private static Map<String, Object> source(String name, Path input) {
        return Map.of("name", name, "config", Map.of("connector.class", "FileStreamSource",
                "file", input.toString(), "topic", "rebalance-writes-out"));
    }
}
