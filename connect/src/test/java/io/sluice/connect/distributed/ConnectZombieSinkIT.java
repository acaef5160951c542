package io.sluice.connect.distributed;

import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A zombie sink task: the worker running it is frozen with SIGSTOP (threads, heartbeats, everything) while input
 * keeps arriving; its task moves to the other worker, which commits further; then the zombie is thawed with SIGCONT
 * holding older, uncommitted progress. Its commit must not land: the group's committed offset never goes back.
 */
class ConnectZombieSinkIT {
    static final int SESSION_TIMEOUT_MS = 6_000;

    @TempDir
    Path dir;
    TestBroker broker;
    final Map<String, ChildJvm> workers = new LinkedHashMap<>();

    @AfterEach
    void stop() throws Exception {
        for (ChildJvm worker : workers.values()) {
            try {
                worker.resume();
            } catch (Exception e) {
                // already gone
            }
            worker.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aFrozenSinkTaskCannotCommitAfterItsTaskMoved() throws Exception {
        broker = TestBroker.start();
        String topic = "zombie-in";
        broker.createTopic(topic, 1, Map.of());
        workers.putAll(ConnectDistributedFailoverIT.startWorkers(dir, broker, "zombie-it", 2,
                "session.timeout.ms=" + SESSION_TIMEOUT_MS, "offset.flush.interval.ms=1000",
                "consumer.session.timeout.ms=" + SESSION_TIMEOUT_MS, "consumer.heartbeat.interval.ms=1000"));
        RestClient rest = new RestClient(workers.keySet().iterator().next());

        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
                for (int n = 0; producing.get(); n++) {
                    p.send(new ProducerRecord<>(topic, "m-" + n));
                    if (n % 20 == 0) {
                        Thread.sleep(20);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "zombie-input");
        producer.start();

        List<Long> committed = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean watching = new AtomicBoolean(true);
        TopicPartition tp = new TopicPartition(topic, 0);
        Thread watcher = new Thread(() -> {
            try (Admin admin = broker.admin()) {
                while (watching.get()) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-zsink")
                            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                    OffsetAndMetadata offset = offsets.get(tp);
                    if (offset != null && (committed.isEmpty() || committed.get(committed.size() - 1) != offset.offset())) {
                        committed.add(offset.offset());
                    }
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                if (watching.get()) {
                    throw new IllegalStateException(e);
                }
            }
        }, "offsets-watcher");
        watcher.start();
        try {
            assertThat(rest.put("/connectors/zsink/config", Map.of("connector.class", "FileStreamSink",
                    "file", dir.resolve("out.txt").toString(), "topics", topic)).status()).isEqualTo(201);
            ConnectDistributedIT.awaitState(rest, "zsink", "RUNNING", "RUNNING");
            await().atMost(Duration.ofSeconds(30)).until(() -> committed.size() >= 2);

            String ownerId = rest.get("/connectors/zsink/status").body().path("tasks").get(0).path("worker_id").asText();
            String zombieUrl = workers.keySet().stream()
                    .filter(url -> ConnectDistributedFailoverIT.workerId(url).equals(ownerId)).findFirst().orElseThrow();
            String otherUrl = workers.keySet().stream().filter(url -> !url.equals(zombieUrl)).findFirst().orElseThrow();
            ChildJvm zombie = workers.get(zombieUrl);
            RestClient other = new RestClient(otherUrl);

            zombie.suspend();
            long frozenAt = committed.isEmpty() ? 0 : committed.get(committed.size() - 1);
            await().atMost(Duration.ofMillis(3L * SESSION_TIMEOUT_MS + 30_000)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        var task = other.get("/connectors/zsink/status").body().path("tasks").path(0);
                        return "RUNNING".equals(task.path("state").asText())
                                && !ownerId.equals(task.path("worker_id").asText())
                                && committed.get(committed.size() - 1) > frozenAt + 100;
                    });
            zombie.resume();
            // Let the thawed zombie run into its next commit interval and its rebalance; bounded.
            Thread.sleep(8_000);
            assertThat(zombie.isAlive()).isTrue();
            // The thawed zombie held records past the last commit it made; its attempt to commit them was refused.
            assertThat(zombie.output()).contains("Sink task zsink-0 is fenced");
        } finally {
            producing.set(false);
            producer.join(10_000);
            watching.set(false);
            watcher.join(10_000);
        }
        List<Long> history = List.copyOf(committed);
        assertThat(history).as("committed offsets of connect-zsink over time").isNotEmpty();
        for (int i = 1; i < history.size(); i++) {
            assertThat(history.get(i)).as("committed offset #%d (history %s)", i, history)
                    .isGreaterThanOrEqualTo(history.get(i - 1));
        }
    }
}
