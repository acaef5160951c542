package io.sluice.mirror.preserving;

import io.sluice.testkit.TwoClusters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Mirror topics created and promoted through the Admin API between two Sluice clusters. */
class MirrorTopicsIT {
    private static TwoClusters clusters;

    @BeforeAll
    static void start() {
        clusters = TwoClusters.start(1, 1, Map.of());
    }

    @AfterAll
    static void stop() {
        if (clusters != null) {
            clusters.close();
        }
    }

    @Test
    void createsTheMirrorWithTheSourcesPartitionsAndConfigsAndPromotesIt() throws Exception {
        String topic = "inventory";
        clusters.source().createTopic(topic, 3, (short) 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, "3600000"));
        try (KafkaProducer<String, String> producer = clusters.source().producer(Map.of())) {
            for (int i = 0; i < 900; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
        String sourceBootstrap = clusters.source().bootstrap();
        try (Admin source = clusters.source().admin(); Admin target = clusters.target().admin()) {
            MirrorTopics.MirrorTopic mirror = MirrorTopics.create(source, sourceBootstrap, topic, target, topic,
                    Optional.empty());
            assertThat(mirror.created()).isTrue();
            assertThat(mirror.partitions()).isEqualTo(3);
            assertThat(MirrorTopics.overrides(target, topic)).containsEntry(TopicConfig.RETENTION_MS_CONFIG, "3600000")
                    .containsEntry(MirrorTopics.SOURCE_BOOTSTRAP_SERVERS, sourceBootstrap);
            // Again, as a restarted mirror would: the existing mirror is kept.
            assertThat(MirrorTopics.create(source, sourceBootstrap, topic, target, topic, Optional.empty()).created())
                    .isFalse();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> dump(clusters.target().consumer(Map.of()), topic).size() == 900);
        assertThat(dump(clusters.target().consumer(Map.of()), topic))
                .containsExactlyElementsOf(dump(clusters.source().consumer(Map.of()), topic));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PromoteTool.run(clusters.target().bootstrap(), topic, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Promoted inventory: no longer a mirror of "
                + sourceBootstrap + ":inventory").contains("inventory-0 ");
        try (KafkaProducer<String, String> producer = clusters.target().producer(Map.of())) {
            RecordMetadata written = producer.send(new ProducerRecord<>(topic, 0, "new", "on B")).get(60, TimeUnit.SECONDS);
            long before = dump(clusters.source().consumer(Map.of()), topic).stream().filter(r -> r.startsWith("0@")).count();
            assertThat(written.offset()).isEqualTo(before);
        }
        // Promoting twice is refused with the reason.
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertThat(PromoteTool.run(clusters.target().bootstrap(), topic, Map.of(), System.out,
                new PrintStream(again, true, StandardCharsets.UTF_8))).isEqualTo(1);
        assertThat(again.toString(StandardCharsets.UTF_8)).contains("is not a mirror topic");
    }

    @Test
    void anExistingOrdinaryTopicIsNotTakenOver() throws Exception {
        clusters.source().createTopic("audit", 2, (short) 1, Map.of());
        clusters.target().createTopic("audit", 2, (short) 1, Map.of());
        try (Admin source = clusters.source().admin(); Admin target = clusters.target().admin()) {
            assertThatThrownBy(() -> MirrorTopics.create(source, clusters.source().bootstrap(), "audit", target,
                    "audit", Optional.empty()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Topic audit exists on the target and is not a mirror of audit");
            // Nor can an ordinary topic be made a mirror by altering its configs.
            assertThatThrownBy(() -> target.incrementalAlterConfigs(Map.of(
                    new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "audit"),
                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                            new org.apache.kafka.clients.admin.ConfigEntry(MirrorTopics.SOURCE_BOOTSTRAP_SERVERS,
                                    clusters.source().bootstrap()),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get())
                    .hasCauseInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("is set when a mirror topic is created");
        }
    }

    @Test
    void aTargetThatRefusesTheMirrorConfigsIsNamedAsNotSluice() {
        // What Apache Kafka answers CreateTopics with a config it does not know.
        InvalidConfigurationException kafkaAnswer = new InvalidConfigurationException(
                "Unknown topic config name: sluice.mirror.source.bootstrap.servers");
        assertThat(MirrorTopics.mentionsMirrorConfig(kafkaAnswer)).isTrue();
        assertThat(MirrorTopics.notSluice(kafkaAnswer))
                .hasMessageStartingWith("Offset-preserving mirroring needs a Sluice target");
        assertThat(MirrorTopics.mentionsMirrorConfig(new InvalidConfigurationException("retention.ms: bad"))).isFalse();
    }

    private static List<String> dump(KafkaConsumer<String, String> consumer, String topic) {
        List<String> out = new ArrayList<>();
        try (consumer) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 20_000;
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.partition() + "@" + r.offset() + " " + r.key() + "=" + r.value());
                }
            }
        }
        out.sort(null);
        return out;
    }
}
