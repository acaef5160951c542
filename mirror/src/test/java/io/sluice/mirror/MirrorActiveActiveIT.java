package io.sluice.mirror;

import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.testkit.TestCluster;
import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.mirror.DefaultReplicationPolicy;
import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A->B and B->A at once: every record arrives once on the other side and nothing loops back. */
class MirrorActiveActiveIT {
    static final int RECORDS = 500;

    @TempDir
    Path dir;

    @Test
    void defaultPolicyMirrorsBothWaysWithoutLoops() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("aa", 2, (short) 1, Map.of());
            clusters.target().createTopic("aa", 2, (short) 1, Map.of());
            try (MirrorMaker mirror = start(clusters, DefaultReplicationPolicy.class.getName())) {
                produce(clusters.source(), "aa", "from-A");
                produce(clusters.target(), "aa", "from-B");
                await().atMost(Duration.ofSeconds(60)).until(() -> count(clusters.target(), "A.aa") == RECORDS
                        && count(clusters.source(), "B.aa") == RECORDS);
                Thread.sleep(4_000); // several refresh intervals: a loop would have shown by now
                assertThat(count(clusters.target(), "A.aa")).isEqualTo(RECORDS);
                assertThat(count(clusters.source(), "B.aa")).isEqualTo(RECORDS);
                assertThat(count(clusters.source(), "aa")).isEqualTo(RECORDS);
                assertThat(count(clusters.target(), "aa")).isEqualTo(RECORDS);
                assertThat(topics(clusters.source())).contains("B.heartbeats").doesNotContain("A.B.aa", "B.A.aa");
                assertThat(topics(clusters.target())).contains("A.heartbeats").doesNotContain("A.B.aa", "B.A.aa");
            }
        }
    }

    @Test
    void identityPolicyMirrorsBothWaysWithoutLoops() throws Exception {
        try (TwoClusters clusters = TwoClusters.start(1, 1, Mirrors.BROKER)) {
            clusters.source().createTopic("ia", 2, (short) 1, Map.of());
            clusters.target().createTopic("ia", 2, (short) 1, Map.of());
            try (MirrorMaker mirror = start(clusters, IdentityReplicationPolicy.class.getName())) {
                produce(clusters.source(), "ia", "from-A");
                produce(clusters.target(), "ia", "from-B");
                await().atMost(Duration.ofSeconds(60)).until(() -> count(clusters.target(), "ia") == 2 * RECORDS
                        && count(clusters.source(), "ia") == 2 * RECORDS);
                Thread.sleep(4_000);
                assertThat(count(clusters.target(), "ia")).isEqualTo(2 * RECORDS);
                assertThat(count(clusters.source(), "ia")).isEqualTo(2 * RECORDS);
            }
        }
    }

    private MirrorMaker start(TwoClusters clusters, String policy) {
        Map<String, String> mm2 = Mirrors.mm2(clusters, dir);
        mm2.put("B->A.enabled", "true");
        mm2.put("topics", ".*a[a]?|.*heartbeats");
        mm2.put("replication.policy.class", policy);
        mm2.put("groups", "none");
        return MirrorMaker.start(new MirrorMakerConfig(mm2), Set.of());
    }

    private static void produce(TestCluster cluster, String topic, String prefix) {
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, prefix + i, prefix + i));
            }
        }
    }

    private static int count(TestCluster cluster, String topic) {
        try {
            return Mirrors.count(Mirrors.readAll(cluster, topic));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static Set<String> topics(TestCluster cluster) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.listTopics().names().get();
        }
    }
}
