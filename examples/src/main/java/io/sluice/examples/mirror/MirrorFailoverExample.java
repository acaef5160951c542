package io.sluice.examples.mirror;

import io.sluice.mirror.cli.MirrorMaker;
import io.sluice.mirror.config.MirrorMakerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Disaster recovery with the mirror: a consumer group processes part of a topic on cluster A; the mirror copies
 * the topic to B and translates the group's offsets there; the group then continues on B, reading exactly the
 * records it had not processed on A — none twice, none skipped.
 */
public final class MirrorFailoverExample {
    /** What the example is pointed at. */
    public record Settings(String source, String target, String topic, String group, int records, int processedOnSource) {
    }

    private final Settings settings;
    private final PrintStream out;

    public MirrorFailoverExample(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the scenario; true when the group continued on B exactly where it stopped on A. */
    public boolean run() throws Exception {
        createTopic();
        produce();
        Set<String> processed = consumeOnSource();
        out.printf("Group %s processed %d of %d records on A and committed its offsets%n", settings.group(),
                processed.size(), settings.records());
        Path state = Files.createTempDirectory("sluice-mirror-example");
        try (MirrorMaker mirror = MirrorMaker.start(new MirrorMakerConfig(mm2(state)), Set.of("B"))) {
            out.println("Mirror A->B running; waiting for the group's translated offsets on B...");
            awaitTranslatedOffsets();
            Set<String> continued = consumeOnTarget();
            Set<String> reRead = new HashSet<>(continued);
            reRead.retainAll(processed);
            int missing = settings.records() - processed.size() - (continued.size() - reRead.size());
            out.printf("Failed over to B: read %d records, %d of them already processed on A, %d missing%n",
                    continued.size(), reRead.size(), missing);
            return reRead.isEmpty() && missing == 0;
        }
    }

    private Map<String, String> mm2(Path state) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("clusters", "A, B");
        p.put("A.bootstrap.servers", settings.source());
        p.put("B.bootstrap.servers", settings.target());
        p.put("A->B.enabled", "true");
        p.put("A->B.topics", settings.topic());
        p.put("groups", settings.group());
        p.put("sync.group.offsets.enabled", "true");
        p.put("sync.group.offsets.interval.seconds", "1");
        p.put("emit.checkpoints.interval.seconds", "1");
        p.put("refresh.groups.interval.seconds", "1");
        p.put("replication.factor", "1");
        p.put("offset-syncs.topic.replication.factor", "1");
        p.put("checkpoints.topic.replication.factor", "1");
        p.put("heartbeats.topic.replication.factor", "1");
        p.put("emit.heartbeats.enabled", "false");
        p.put("sluice.mirror.state.dir", state.toString());
        return p;
    }

    private void createTopic() throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", settings.source()))) {
            admin.createTopics(List.of(new NewTopic(settings.topic(), 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private void produce() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.source()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < settings.records(); i++) {
                producer.send(new ProducerRecord<>(settings.topic(), "payment-" + i, "payment-" + i));
            }
        }
    }

    /** Processes records on A until {@code processedOnSource}, committing exactly the positions after them. */
    private Set<String> consumeOnSource() {
        Set<String> processed = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = consumer(settings.source())) {
            consumer.subscribe(List.of(settings.topic()));
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (processed.size() < settings.processedOnSource() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (processed.size() == settings.processedOnSource()) {
                        break;
                    }
                    processed.add(record.value());
                    positions.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
            }
            consumer.commitSync(positions);
        }
        return processed;
    }

    private void awaitTranslatedOffsets() throws Exception {
        String remote = "A." + settings.topic();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", settings.target()))) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(settings.group())
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                if (offsets.keySet().stream().filter(tp -> tp.topic().equals(remote)).count() == 3) {
                    out.println("Translated offsets on B: " + offsets);
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("No translated offsets for group " + settings.group() + " on B within 60 s");
    }

    private Set<String> consumeOnTarget() {
        Set<String> read = new HashSet<>();
        int expected = settings.records() - settings.processedOnSource();
        try (KafkaConsumer<String, String> consumer = consumer(settings.target())) {
            consumer.subscribe(List.of("A." + settings.topic()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (read.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
            }
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> read.add(r.value()));
        }
        return read;
    }

    private KafkaConsumer<String, String> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, settings.group(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer());
    }
}
