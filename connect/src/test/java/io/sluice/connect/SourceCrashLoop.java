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

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * A standalone worker in a child JVM running Apache Kafka's FileStreamSource over {@link #LINES} numbered lines,
 * SIGKILLed {@link #KILLS} times at random moments once it is producing, then run to the end; what the topic then
 * holds, read read_committed, is for the test to judge.
 */
final class SourceCrashLoop {
    static final int LINES = 50_000;
    static final int KILLS = 5;

    private final TestBroker broker;
    private final Path dir;

    SourceCrashLoop(TestBroker broker, Path dir) {
        this.broker = broker;
        this.dir = dir;
    }

    static List<String> expected() {
        return IntStream.rangeClosed(1, LINES).mapToObj(i -> String.format("line-%05d", i)).collect(Collectors.toList());
    }

    /** Runs the load through the kills and to completion; returns the topic's values, read read_committed. */
    List<String> run(String topic, boolean exactlyOnce) throws Exception {
        broker.createTopic(topic, 1, Map.of());
        Path input = dir.resolve("input.txt");
        Files.write(input, expected());
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
        Path workerFile = store(worker, "worker.properties");
        Properties connector = new Properties();
        connector.setProperty("name", "crash-source");
        connector.setProperty("connector.class", "FileStreamSource");
        connector.setProperty("file", input.toString());
        connector.setProperty("topic", topic);
        connector.setProperty("batch.size", "500");
        // At least ~5 s of load whatever the machine, so five kills land mid-load.
        connector.setProperty("transforms", "throttle");
        connector.setProperty("transforms.throttle.type", "io.sluice.connect.worker.ThrottleTransform");
        connector.setProperty("transforms.throttle.every", "10");
        if (exactlyOnce) {
            connector.setProperty("exactly.once.support", "required");
        }
        Path connectorFile = store(connector, "source.properties");

        long seed = System.nanoTime();
        Random random = new Random(seed);
        // C1 only: the child is started six times and lives seconds; start-up dominates.
        ChildJvm child = new ChildJvm(Path.of("target", "crash-worker-" + topic + ".log"),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), StandaloneWorkerMain.class.getName(),
                List.of(workerFile.toString(), connectorFile.toString()));
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                child.start();
                child.awaitLine(Pattern.compile("WORKER READY"), 90_000);
                // Kill once the task is producing (past the marker its start may write), at a random moment.
                long before = endOffset(topic, IsolationLevel.READ_UNCOMMITTED);
                long deadline = System.currentTimeMillis() + 60_000;
                while (endOffset(topic, IsolationLevel.READ_UNCOMMITTED) <= before + 1
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(random.nextInt(200));
                child.kill();
                System.out.printf("kill %d (seed %d): topic end %d, last stable offset %d%n", kill, seed,
                        endOffset(topic, IsolationLevel.READ_UNCOMMITTED), endOffset(topic, IsolationLevel.READ_COMMITTED));
            }
            assertThat(read(topic, Duration.ofSeconds(1)).stream().distinct().count())
                    .as("the load must still be under way after the kills (seed %d)", seed).isLessThan(LINES);
            child.start();
            child.awaitLine(Pattern.compile("WORKER READY"), 90_000);
            return read(topic, Duration.ofSeconds(120));
        } finally {
            child.close();
        }
    }

    /** Reads the topic read_committed until every line was seen or {@code wait} ran out, then a second more. */
    private List<String> read(String topic, Duration wait) {
        List<String> values = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer("check-" + UUID.randomUUID(),
                Map.of("isolation.level", "read_committed", "max.poll.records", 5000))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
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

    private Path store(Properties props, String name) throws IOException {
        Path file = dir.resolve(name);
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        return file;
    }
}
