package io.sluice.examples.enrich;

import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.testkit.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The enrichment job against three brokers in child JVMs (RF=3, min ISR 2 everywhere, internal topics
 * included) while orders keep arriving: the broker of the job's transaction coordinator, then the
 * one of its group coordinator, then the leader of an output partition are SIGKILLed and restarted,
 * and each time the job is SIGKILLed with it (a supervisor starts it again, as it does if the job
 * gives up). Every order must still reach read_committed readers exactly once.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EnrichmentUnderBrokerFailuresIT {
    private static final Logger log = LoggerFactory.getLogger(EnrichmentUnderBrokerFailuresIT.class);
    private static final int ORDERS = 6000;
    private static final String TRANSACTIONAL_ID = "enrich-chaos";
    private static final String GROUP = "order-enrichment";

    @TempDir
    Path dir;

    @Test
    void everyOrderExactlyOnceWhileBrokersAreKilled() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0)) {
            List<ChildBroker> brokers = new ArrayList<>();
            Supervisor job = null;
            try {
                for (int id = 0; id < 3; id++) {
                    brokers.add(new ChildBroker(dir.resolve("broker-" + id), Map.ofEntries(
                            Map.entry("broker.id", String.valueOf(id)),
                            Map.entry("zookeeper.connect", zk.connectString()),
                            Map.entry("zookeeper.session.timeout.ms", "6000"),
                            Map.entry("offsets.topic.replication.factor", "3"),
                            Map.entry("transaction.state.log.replication.factor", "3"),
                            Map.entry("transaction.state.log.num.partitions", "3"),
                            Map.entry("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"),
                            Map.entry("replica.lag.time.max.ms", "5000"),
                            Map.entry("min.insync.replicas", "2"))));
                }
                for (ChildBroker b : brokers) {
                    b.start();
                }
                String bootstrap = brokers.stream().map(ChildBroker::bootstrap).collect(Collectors.joining(","));
                try (Admin admin = admin(bootstrap)) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 3),
                                    new NewTopic("orders-enriched", 3, (short) 3)
                                            .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2")))).all().get());

                    Map<String, String> expected = new ConcurrentHashMap<>();
                    AtomicInteger failedSends = new AtomicInteger();
                    Thread feeder = new Thread(() -> feed(bootstrap, expected, failedSends), "order-feeder");
                    feeder.start();
                    job = new Supervisor(bootstrap, dir.resolve("job.log"));
                    job.start();

                    Victim[] victims = {Victim.TRANSACTION_COORDINATOR, Victim.GROUP_COORDINATOR, Victim.OUTPUT_LEADER};
                    long progress = 0;
                    for (Victim victim : victims) {
                        long before = progress;
                        progress = await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                                .until(() -> committedInput(admin), n -> n >= before + 300);
                        int id = victim.find(admin);
                        log.info("Killing broker {} ({}) and the job with {} orders committed", id, victim, progress);
                        brokers.get(id).kill();
                        // The job dies too, mid-transaction: its successor must fence it and recover
                        // through coordinators that are failing over at the same moment.
                        job.killCurrent();
                        // Another broker takes the role over while this one is down.
                        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                                .until(() -> victim.find(admin), now -> now != id);
                        brokers.get(id).start();
                    }
                    feeder.join(120_000);
                    assertThat(failedSends.get()).as("orders the feeder could not write").isZero();
                    assertThat(expected).hasSize(ORDERS);
                    await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                            .until(() -> committedInput(admin), n -> n >= ORDERS);

                    List<ConsumerRecord<String, String>> output = EnrichedOutput.readCommitted(bootstrap, 3, ORDERS);
                    Map<String, Integer> seen = new HashMap<>();
                    for (ConsumerRecord<String, String> r : output) {
                        seen.merge(r.key(), 1, Integer::sum);
                        String value = r.value();
                        assertThat(value.substring(0, value.lastIndexOf(",source="))).isEqualTo(expected.get(r.key()));
                    }
                    assertThat(seen).as("job log: %s", job.log).hasSize(ORDERS);
                    assertThat(seen.entrySet()).as("orders delivered more than once")
                            .filteredOn(e -> e.getValue() != 1).isEmpty();
                    assertThat(output).hasSize(ORDERS);
                    assertThat(job.restarts.get()).as("job restarts").isGreaterThanOrEqualTo(victims.length);
                    log.info("Every order exactly once; the job was restarted {} times", job.restarts.get());
                }
            } finally {
                if (job != null) {
                    job.stop();
                }
                for (ChildBroker b : brokers) {
                    b.close();
                }
            }
        }
    }

    /** Which broker to kill, found as a client would see it. */
    private enum Victim {
        TRANSACTION_COORDINATOR {
            @Override
            int find(Admin admin) throws Exception {
                return admin.describeTransactions(List.of(TRANSACTIONAL_ID)).description(TRANSACTIONAL_ID).get()
                        .coordinatorId();
            }
        },
        GROUP_COORDINATOR {
            @Override
            int find(Admin admin) throws Exception {
                return admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get().coordinator().id();
            }
        },
        OUTPUT_LEADER {
            @Override
            int find(Admin admin) throws Exception {
                return admin.describeTopics(List.of("orders-enriched")).allTopicNames().get().get("orders-enriched")
                        .partitions().get(0).leader().id();
            }
        };

        abstract int find(Admin admin) throws Exception;
    }

    /** Orders trickle in (about 200 a second) so that the kills land while the job is busy. */
    private static void feed(String bootstrap, Map<String, String> expected, AtomicInteger failed) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < ORDERS; i++) {
                String key = "order-" + i;
                String value = "item-" + (i % 17) + "," + (1 + i % 5) + "," + (100 + i);
                String enriched = value + ",total=" + ((1 + i % 5) * (100L + i));
                producer.send(new ProducerRecord<>("orders", key, value), (md, e) -> {
                    if (e == null) {
                        expected.put(key, enriched);
                    } else {
                        failed.incrementAndGet();
                    }
                });
                if (i % 20 == 19) {
                    Thread.sleep(100);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Input orders the job has committed (its group's committed offsets). */
    private static long committedInput(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    /** Runs the job in a child JVM and starts it again whenever it exits, as a process supervisor would. */
    private static final class Supervisor {
        private final String bootstrap;
        private final Path log;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger restarts = new AtomicInteger();
        private final Thread thread;
        private volatile Process process;

        Supervisor(String bootstrap, Path log) {
            this.bootstrap = bootstrap;
            this.log = log;
            this.thread = new Thread(this::loop, "job-supervisor");
        }

        void start() {
            thread.start();
        }

        private void loop() {
            try {
                while (running.get()) {
                    String java = ProcessHandle.current().info().command().orElse("java");
                    process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                            EnrichCommand.class.getName(), "--bootstrap-server", bootstrap,
                            "--transactional-id", TRANSACTIONAL_ID, "--group", GROUP)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
                    process.waitFor();
                    if (running.get()) {
                        restarts.incrementAndGet();
                        Thread.sleep(500);
                    }
                }
            } catch (Exception e) {
                EnrichmentUnderBrokerFailuresIT.log.error("Supervisor failed", e);
            }
        }

        /** SIGKILL of the running job; the supervisor starts the next one. */
        void killCurrent() throws InterruptedException {
            Process p = process;
            if (p != null) {
                p.destroyForcibly().waitFor();
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            Process p = process;
            if (p != null) {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
            thread.join(30_000);
        }
    }
}
