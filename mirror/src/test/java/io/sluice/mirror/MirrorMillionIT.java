package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The full-size run: 1,000,000 records A -> B with integrity (per-partition order, keys, headers,
 * timestamps). About a minute on a quiet machine; tagged long, and run by default like the other long tests.
 */
@Tag("long")
class MirrorMillionIT {
    static final int RECORDS = 1_000_000;
    static final int PARTITIONS = 6;

    @TempDir
    Path dir;

    @Test
    void aMillionRecordsMirroredWithIntegrity() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("million", PARTITIONS, (short) 1, Map.of());
            try (KafkaProducer<String, String> producer = clusters.source().producer(
                    Map.of(ProducerConfig.LINGER_MS_CONFIG, "10", ProducerConfig.BATCH_SIZE_CONFIG, "262144"))) {
                long base = System.currentTimeMillis() - 86_400_000L;
                for (int i = 0; i < RECORDS; i++) {
                    ProducerRecord<String, String> record = new ProducerRecord<>("million", null, base + i, "k" + i, "v" + i);
                    record.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                    producer.send(record);
                }
            }
            Map<String, String> mm2 = Mirrors.mm2(clusters, dir);
            mm2.put("A->B.topics", "million");
            mm2.put("tasks.max", "3");
            try (MirrorMaker mirror = MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of())) {
                await().atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofSeconds(5)).until(() -> {
                    try {
                        return Mirrors.count(Mirrors.readAll(clusters.target(), "A.million")) >= RECORDS;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
            }
            var source = Mirrors.readAll(clusters.source(), "million");
            var target = Mirrors.readAll(clusters.target(), "A.million");
            for (int p = 0; p < PARTITIONS; p++) {
                List<ConsumerRecord<byte[], byte[]>> a = source.get(p);
                List<ConsumerRecord<byte[], byte[]>> b = target.get(p);
                assertThat(b).hasSameSizeAs(a);
                for (int i = 0; i < a.size(); i++) {
                    assertThat(b.get(i).key()).isEqualTo(a.get(i).key());
                    assertThat(b.get(i).value()).isEqualTo(a.get(i).value());
                    assertThat(b.get(i).timestamp()).isEqualTo(a.get(i).timestamp());
                    assertThat(Arrays.equals(b.get(i).headers().lastHeader("seq").value(),
                            a.get(i).headers().lastHeader("seq").value())).isTrue();
                }
            }
        }
    }
}
