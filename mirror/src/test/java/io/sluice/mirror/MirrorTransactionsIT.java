package io.sluice.mirror;

import io.sluice.mirror.InternalTopics;
import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A transactional source with aborted transactions: only committed records reach the target, and groups committed
 * anywhere — on a record, on an aborted record, on a commit or abort marker — translate to exactly the downstream
 * position of the next committed record — also after a restart of a mirror that had not written its last syncs.
 */
class MirrorTransactionsIT {
    static final int TRANSACTIONS = 12;
    static final int PER_TRANSACTION = 50;

    @TempDir
    Path dir;

    @Test
    void onlyCommittedRecordsAreMirroredAndTranslationIsExactAcrossMarkers() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("txn", 1, (short) 1, Map.of());
            try (KafkaProducer<String, String> producer = clusters.source().producer(
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txn-writer"))) {
                producer.initTransactions();
                for (int t = 0; t < TRANSACTIONS; t++) {
                    producer.beginTransaction();
                    for (int i = 0; i < PER_TRANSACTION; i++) {
                        producer.send(new ProducerRecord<>("txn", 0, "k", "t" + t + "-" + i));
                    }
                    if (t % 3 == 2) {
                        producer.flush(); // so the aborted records are in the log, not dropped unsent
                        producer.abortTransaction();
                    } else {
                        producer.commitTransaction();
                    }
                }
            }
            List<ConsumerRecord<byte[], byte[]>> committed = Mirrors.readAll(clusters.source(), "txn").get(0);
            assertThat(committed).hasSize((TRANSACTIONS - TRANSACTIONS / 3) * PER_TRANSACTION);
            // Each transaction takes its records' offsets and one for its marker.
            assertThat(committed.get(committed.size() - 1).offset())
                    .isEqualTo((TRANSACTIONS - 2) * (PER_TRANSACTION + 1L) + PER_TRANSACTION - 1);

            // Group positions: on transactions' first, middle and last records, on markers, in aborted transactions.
            TreeSet<Long> positions = new TreeSet<>();
            for (int t : new int[] {0, 2, 3, 11}) {
                long first = t * (PER_TRANSACTION + 1L);
                long last = first + PER_TRANSACTION - 1;
                positions.addAll(List.of(first, first + 7, last, last + 1));
            }
            for (long position : positions) {
                commit(clusters, "g" + position, position);
            }

            Map<String, String> mm2 = Mirrors.mm2(clusters, dir);
            mm2.put("A->B.topics", "txn");
            mm2.put("groups", "g.*");
            MirrorMaker mirror = MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of());
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    try {
                        return Mirrors.count(Mirrors.readAll(clusters.target(), "A.txn")) == committed.size();
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                List<ConsumerRecord<byte[], byte[]>> mirrored = Mirrors.readAll(clusters.target(), "A.txn").get(0);
                assertThat(values(mirrored, 0)).isEqualTo(values(committed, 0)).noneMatch(v -> v.startsWith("t2-"));

                assertExactTranslations(clusters, positions, mirrored, committed);

                // A mirror stopped before it wrote its last round's syncs: simulated by replacing the syncs (and
                // checkpoints) with only the first sync. Restarted, it restores the missing syncs from both clusters.
                mirror.close();
                try (Admin admin = clusters.target().admin()) {
                    admin.deleteTopics(List.of("mm2-offset-syncs.A.internal", "A.checkpoints.internal")).all().get();
                    await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().stream()
                            .noneMatch(t -> t.equals("mm2-offset-syncs.A.internal") || t.equals("A.checkpoints.internal")));
                    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                        InternalTopics.ensure(admin, "mm2-offset-syncs.A.internal", (short) 1);
                        return true;
                    });
                }
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, clusters.target().bootstrap()),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    OffsetSync first = new OffsetSync(new TopicPartition("txn", 0), 0, 0);
                    producer.send(new ProducerRecord<>("mm2-offset-syncs.A.internal", 0, first.key(), first.value())).get();
                }
                mirror = MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of());
                assertExactTranslations(clusters, positions, mirrored, committed);
            } finally {
                mirror.close();
            }
        }
    }

    private static void assertExactTranslations(TwoClusters clusters, TreeSet<Long> positions,
                                                List<ConsumerRecord<byte[], byte[]>> mirrored,
                                                List<ConsumerRecord<byte[], byte[]>> committed) throws Exception {
        Map<String, Object> targetClient = Map.of("bootstrap.servers", clusters.target().bootstrap());
        for (long position : positions) {
            String group = "g" + position;
            await().atMost(Duration.ofSeconds(30)).until(() -> RemoteClusterUtils.translateOffsets(
                    targetClient, "A", group, Duration.ofSeconds(5)).containsKey(new TopicPartition("A.txn", 0)));
            long translated = RemoteClusterUtils.translateOffsets(targetClient, "A", group, Duration.ofSeconds(5))
                    .get(new TopicPartition("A.txn", 0)).offset();
            assertThat(values(mirrored, translated)).as("group at upstream offset %d", position)
                    .isEqualTo(values(committed, position));
        }
    }

    private static void commit(TwoClusters clusters, String group, long offset) {
        try (KafkaConsumer<String, String> consumer = clusters.source().consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            consumer.commitSync(Map.of(new TopicPartition("txn", 0), new OffsetAndMetadata(offset)));
        }
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records, long from) {
        return records.stream().filter(r -> r.offset() >= from)
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }
}
