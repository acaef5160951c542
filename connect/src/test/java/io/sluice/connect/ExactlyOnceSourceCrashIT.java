package io.sluice.connect;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A standalone worker in a child JVM runs Apache Kafka's FileStreamSource over 50,000 numbered lines and is
 * SIGKILLed five times at random moments mid-load. With exactly-once the topic, read read_committed, holds every
 * line once and in order; without it, lines may repeat but none is lost.
 */
class ExactlyOnceSourceCrashIT {
    private static final int LINES = 50_000;
    private static final int KILLS = 5;
    static TestBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void exactlyOnceSourceSurvivesFiveSigkillsWithEveryLineOnceInOrder() throws Exception {
        List<String> values = crashLoop("eos-lines", true);
        assertThat(values).hasSize(LINES);
        assertThat(values).isEqualTo(expected());
    }

    @Test
    void withoutExactlyOnceTheSameCrashLoopMayDuplicateButNeverLoses() throws Exception {
        List<String> values = crashLoop("alo-lines", false);
        // At-least-once: every line is there, first seen in order; repeats are allowed.
        assertThat(new ArrayList<>(new LinkedHashSet<>(values))).isEqualTo(expected());
        assertThat(values.size()).isGreaterThanOrEqualTo(LINES);
    }

    /** Runs the worker to completion through {@link #KILLS} SIGKILLs; returns the topic read read_committed. */
    private List<String> crashLoop(String topic, boolean exactlyOnce) throws Exception {
        broker.createTopic(topic, 1, Map.of());
        Path input = dir.resolve("input.txt");
        Files.write(input, expected());
        Path workerFile = dir.resolve("worker.properties");
        Properties worker = new Properties();
        worker.setProperty("bootstrap.servers", broker.bootstrap());
        worker.setProperty("plugin.path", ConnectStandaloneIT.PLUGIN_PATH.toString());
        worker.setProperty("listeners", "http://127.0.0.1:0");
        worker.setProperty("key.converter", StringConverter.class.getName());
        worker.setProperty("value.converter", StringConverter.class.getName());
        worker.setProperty("offset.flush.interval.ms", "200");
        worker.setProperty("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        if (exactlyOnce) {
            worker.setProperty("exactly.once.source.support", "enabled");
            worker.setProperty("offset.storage.topic", "offsets-" + topic);
            worker.setProperty("offset.storage.partitions", "5");
            worker.setProperty("offset.storage.replication.factor", "1");
        }
        store(worker, workerFile);
        Path connectorFile = dir.resolve("source.properties");
        Properties connector = new Properties();
        connector.setProperty("name", "crash-source");
        connector.setProperty("connector.class", "FileStreamSource");
        connector.setProperty("file", input.toString());
        connector.setProperty("topic", topic);
        connector.setProperty("batch.size", "500");
        if (exactlyOnce) {
            connector.setProperty("exactly.once.support", "required");
        }
        store(connector, connectorFile);

        long seed = System.nanoTime();
        Random random = new Random(seed);
        ChildJvm child = new ChildJvm(Path.of("target", "crash-worker-" + topic + ".log"), "256m", StandaloneWorkerMain.class.getName(),
                List.of(workerFile.toString(), connectorFile.toString()));
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                long started = System.currentTimeMillis();
                child.start();
                child.awaitLine(Pattern.compile("WORKER READY"), 60_000);
                long ready = System.currentTimeMillis();
                // Kill once the task is producing: after its first records, at a random moment.
                long before = endOffset(topic, IsolationLevel.READ_UNCOMMITTED);
                long deadline = System.currentTimeMillis() + 30_000;
                while (endOffset(topic, IsolationLevel.READ_UNCOMMITTED) <= before + 1
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(random.nextInt(300));
                child.kill();
                System.out.printf("kill %d (seed %d) after %d ms ready + %d ms: topic end %d, committed %d%n", kill,
                        seed, ready - started, System.currentTimeMillis() - ready,
                        endOffset(topic, IsolationLevel.READ_UNCOMMITTED), endOffset(topic, IsolationLevel.READ_COMMITTED));
            }
            assertThat(distinctCommitted(topic)).as("the load must still be under way after the kills (seed %d)", seed)
                    .isLessThan(LINES);
            child.start();
            child.awaitLine(Pattern.compile("WORKER READY"), 60_000);
            long started = System.currentTimeMillis();
            List<String> values = readCommitted(topic);
            System.out.printf("final run read %d records in %d ms%n", values.size(), System.currentTimeMillis() - started);
            return values;
        } finally {
            child.close();
        }
    }

    private long distinctCommitted(String topic) {
        return readCommitted(topic, Duration.ofSeconds(1)).stream().distinct().count();
    }

    private List<String> readCommitted(String topic) {
        return readCommitted(topic, Duration.ofSeconds(90));
    }

    /** Reads the topic read_committed until every line was seen or {@code wait} ran out, then a second more. */
    private List<String> readCommitted(String topic, Duration wait) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer("check-" + UUID.randomUUID(),
                Map.of("isolation.level", "read_committed", "max.poll.records", 5000))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            long deadline = System.currentTimeMillis() + wait.toMillis();
            while (values.stream().distinct().count() < LINES && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            long settle = System.currentTimeMillis() + 1_000;
            while (System.currentTimeMillis() < settle) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private long endOffset(String topic, IsolationLevel isolation) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = broker.admin()) {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
                    .partitionResult(tp).get(10, TimeUnit.SECONDS).offset();
        }
    }

    private static List<String> expected() {
        return IntStream.rangeClosed(1, LINES).mapToObj(i -> String.format("line-%05d", i)).collect(Collectors.toList());
    }

    private static void store(Properties props, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
    }
}
