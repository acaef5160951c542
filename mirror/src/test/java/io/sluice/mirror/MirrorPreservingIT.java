package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorCommand;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code A->B.offset.preserving = true} with {@code A->B.offset.preserving.topics} in mm2.properties: the matching
 * topic becomes an offset-preserving mirror topic on B (same name, every record at its source offset, aborted
 * transactions included as on A) while the other topic is mirrored as usual; a SIGKILLed mirror changes nothing;
 * {@code sluice mirror promote} makes the topic writable on B.
 */
class MirrorPreservingIT {
    static final Pattern READY = Pattern.compile("Sluice mirror ready");

    @TempDir
    Path dir;

    @Test
    void offsetsOnTheTargetEqualTheSourceThroughMm2Properties() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("ledger", 2, (short) 1, Map.of());
            clusters.source().createTopic("plain", 1, (short) 1, Map.of());
            Map<String, String> mm2 = Mirrors.mm2(clusters, dir.resolve("state"));
            mm2.put("A->B.topics", "ledger, plain");
            mm2.put("A->B.offset.preserving", "true");
            mm2.put("A->B.offset.preserving.topics", "ledger");
            mm2.put("groups", "none");
            Path file = dir.resolve("mm2.properties");
            Properties props = new Properties();
            props.putAll(mm2);
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                props.store(out, null);
            }
            try (ChildJvm mirror = new ChildJvm(dir.resolve("mirror.log"), "384m", MirrorCommand.class.getName(),
                    List.of(file.toString()))) {
                mirror.start().awaitLine(READY, 90_000);
                produce(clusters, 0, 300);
                await().atMost(Duration.ofSeconds(60)).until(() -> exists(clusters, "ledger") && size(clusters, "ledger") >= 1);
                mirror.kill();
                produce(clusters, 300, 600);
                mirror.start().awaitLine(READY, 90_000);
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> source = Mirrors.readAll(clusters.source(), "ledger");
                await().atMost(Duration.ofSeconds(60)).until(() -> size(clusters, "ledger") == Mirrors.count(source));
                Map<Integer, List<ConsumerRecord<byte[], byte[]>>> target = Mirrors.readAll(clusters.target(), "ledger");
                for (int p = 0; p < 2; p++) {
                    assertThat(offsetsAndValues(target.get(p))).as("partition %d", p)
                            .isEqualTo(offsetsAndValues(source.get(p)));
                }
                // Not copied by the tasks as well: no remote topic under the default policy's name.
                assertThat(exists(clusters, "A.ledger")).isFalse();
                await().atMost(Duration.ofSeconds(60)).until(() -> exists(clusters, "A.plain")
                        && size(clusters, "A.plain") == 100);

                int code = new CommandLine(new MirrorCommand()).execute("promote", "--bootstrap-server",
                        clusters.target().bootstrap(), "--topic", "ledger");
                assertThat(code).isZero();
                try (KafkaProducer<String, String> producer = clusters.target().producer(Map.of())) {
                    RecordMetadata written = producer.send(new ProducerRecord<>("ledger", 0, "k", "on B"))
                            .get(60, TimeUnit.SECONDS);
                    assertThat(written.offset()).as("the first write on B follows A's log end").isEqualTo(end(clusters, 0));
                }
            }
        }
    }

    /** Records to ledger (in transactions, every third aborted) and to plain. */
    private static void produce(TwoClusters clusters, int from, int to) {
        try (KafkaProducer<String, String> producer = clusters.source().producer(
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ledger-writer"))) {
            producer.initTransactions();
            for (int i = from; i < to; i += 50) {
                producer.beginTransaction();
                for (int j = i; j < i + 50; j++) {
                    producer.send(new ProducerRecord<>("ledger", j % 2, "k" + j, "v" + j));
                }
                if ((i / 50) % 3 == 2) {
                    producer.flush();
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                }
            }
        }
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            for (int i = from / 6; i < to / 6; i++) {
                producer.send(new ProducerRecord<>("plain", "k" + i, "p" + i));
            }
        }
    }

    private static long end(TwoClusters clusters, int partition) {
        try (KafkaConsumer<String, String> consumer = clusters.source().consumer(Map.of())) {
            TopicPartition tp = new TopicPartition("ledger", partition);
            return consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
        }
    }

    private static List<String> offsetsAndValues(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> r.offset() + "=" + new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static boolean exists(TwoClusters clusters, String topic) throws Exception {
        try (Admin admin = clusters.target().admin()) {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic);
        }
    }

    private static int size(TwoClusters clusters, String topic) {
        try {
            return Mirrors.count(Mirrors.readAll(clusters.target(), topic));
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
