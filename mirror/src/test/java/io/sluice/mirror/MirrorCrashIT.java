package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorCommand;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code sluice mirror} (exactly-once, its default) in a child JVM, SIGKILLed five times while records keep arriving
 * on the source, then restarted: every partition on the target holds the source partition's records in the same
 * order, none twice and none missing, and the mirror's source positions are in the offsets topic on the target.
 */
class MirrorCrashIT {
    static final int KILLS = 5;
    static final Pattern READY = Pattern.compile("Sluice mirror ready");

    @TempDir
    Path dir;

    @Test
    void aKilledMirrorResumesWithEveryRecordExactlyOnce() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("crash", 3, (short) 1, Map.of());
            Map<String, String> mm2 = Mirrors.mm2(clusters, dir.resolve("state"));
            mm2.put("A->B.topics", "crash");
            mm2.put("groups", "none");
            Path file = dir.resolve("mm2.properties");
            Properties props = new Properties();
            props.putAll(mm2);
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                props.store(out, null);
            }
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicInteger produced = new AtomicInteger();
            Thread producer = new Thread(() -> produce(clusters, producing, produced), "crash-producer");
            try (ChildJvm mirror = new ChildJvm(dir.resolve("mirror.log"), "384m", MirrorCommand.class.getName(),
                    List.of(file.toString()))) {
                awaitReady(mirror.start());
                producer.start();
                for (int kill = 1; kill <= KILLS; kill++) {
                    // Killed while it copies: it has mirrored more since its (re)start, and the producer goes on.
                    long before = progress(clusters);
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> progress(clusters) >= before + 200);
                    mirror.kill();
                    awaitReady(mirror.start());
                }
                producing.set(false);
                producer.join(30_000);
                int total = produced.get();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> count(clusters) >= total);
                Thread.sleep(2_000); // a duplicate written late would show up here
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> source = Mirrors.readAll(clusters.source(), "crash");
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> target = Mirrors.readAll(clusters.target(), "A.crash");
                assertThat(Mirrors.count(source)).isEqualTo(total);
                for (int p = 0; p < 3; p++) {
                    assertThat(values(target.get(p))).as("partition %d", p).isEqualTo(values(source.get(p)));
                }
                assertThat(Mirrors.count(Mirrors.readAll(clusters.target(), "mm2-offsets.A.internal")))
                        .as("source positions in the offsets topic on the target").isPositive();
            }
        }
    }

    /** Ready, or a failure that shows how far the mirror got (its log is gone with the temp dir). */
    private static void awaitReady(ChildJvm mirror) throws Exception {
        try {
            mirror.awaitLine(READY, 120_000);
        } catch (IllegalStateException e) {
            String log = mirror.output();
            throw new AssertionError(e.getMessage() + "\n" + log.substring(Math.max(0, log.length() - 4000)), e);
        }
    }

    private static void produce(TwoClusters clusters, AtomicBoolean producing, AtomicInteger produced) {
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            for (int i = 0; producing.get(); i++) {
                producer.send(new ProducerRecord<>("crash", "k" + i, "r" + i));
                produced.incrementAndGet();
                if (i % 50 == 0) {
                    Thread.sleep(100); // ~500 records/s: the kills land while records keep arriving
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    /** The remote topic's end offsets (commit markers included): cheap progress, not the assertion. */
    private static long progress(TwoClusters clusters) {
        try (KafkaConsumer<String, String> consumer = clusters.target().consumer(Map.of())) {
            List<TopicPartition> partitions = List.of(new TopicPartition("A.crash", 0),
                    new TopicPartition("A.crash", 1), new TopicPartition("A.crash", 2));
            return consumer.endOffsets(partitions, Duration.ofSeconds(5)).values().stream().mapToLong(Long::longValue).sum();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static int count(TwoClusters clusters) {
        try {
            return Mirrors.count(Mirrors.readAll(clusters.target(), "A.crash"));
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
