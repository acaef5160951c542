package io.sluice.mirror;

import io.sluice.connect.worker.WorkerConfig;
import io.sluice.mirror.cli.MirrorCommand;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code sluice mirror} in a child JVM, SIGKILLed twice while records keep arriving on the source, then restarted:
 * the target holds every record. Exactly once (no duplicates) is asserted as soon as the Connect runtime knows
 * {@code exactly.once.source.support} — the mirror asks for it by default; until the runtime has it, a restarted
 * mirror may copy again what it copied after its last offset flush.
 */
class MirrorCrashIT {
    static final int RECORDS = 10_000;
    static final Pattern READY = Pattern.compile("Sluice mirror ready");

    @TempDir
    Path dir;

    @Test
    void aKilledMirrorResumesWithNothingLost() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("crash", 2, (short) 1, Map.of());
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
            Thread producer = new Thread(() -> produce(clusters), "crash-producer");
            try (ChildJvm mirror = new ChildJvm(dir.resolve("mirror.log"), "384m", MirrorCommand.class.getName(),
                    List.of(file.toString()))) {
                mirror.start().awaitLine(READY, 90_000);
                producer.start();
                for (int kill = 1; kill <= 2; kill++) {
                    int mirrored = kill * RECORDS / 4; // mid-stream: the producer is still writing
                    await().atMost(Duration.ofSeconds(90)).until(() -> count(clusters) >= mirrored);
                    mirror.kill();
                    mirror.start().awaitLine(READY, 90_000);
                }
                producer.join(120_000);
                producing.set(false);
                await().atMost(Duration.ofSeconds(60)).until(() -> distinct(clusters).size() == RECORDS);
                if (runtimeHasExactlyOnce()) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> count(clusters) == RECORDS);
                    assertThat(count(clusters)).isEqualTo(RECORDS);
                }
                assertThat(count(clusters)).isGreaterThanOrEqualTo(RECORDS);
            }
        }
    }

    /** The mirror sets exactly.once.source.support=enabled; the runtime honours it once it defines the setting. */
    static boolean runtimeHasExactlyOnce() {
        return WorkerConfig.configDef().names().contains("exactly.once.source.support");
    }

    private static void produce(TwoClusters clusters) {
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>("crash", "k" + i, "r" + i));
                if (i % 100 == 0) {
                    Thread.sleep(250); // ~25 s of writing, so the kills land while records keep arriving
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int count(TwoClusters clusters) {
        try {
            return Mirrors.count(Mirrors.readAll(clusters.target(), "A.crash"));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Set<String> distinct(TwoClusters clusters) throws IOException {
        Set<String> values = new HashSet<>();
        try {
            for (List<ConsumerRecord<byte[], byte[]>> partition : Mirrors.readAll(clusters.target(), "A.crash").values()) {
                partition.forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            }
        } catch (RuntimeException e) {
            return Set.of();
        }
        return values;
    }
}
