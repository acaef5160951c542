package io.sluice.broker.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a busy cluster sees while topics come and go: four threads create topics (1–6 partitions, three
 * per CreateTopics) and delete them again (three per DeleteTopics, as a Streams clean-up does), while
 * an idempotent producer, a consumer group and a transactional producer work on other topics. Every
 * record acknowledged to a producer is remembered so that the test can read it back afterwards.
 */
final class ChurnWorkload implements AutoCloseable {
    static final String STABLE = "stable";
    static final String TXN_OUT = "txn-out";

    private final String bootstrap;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService background = Executors.newFixedThreadPool(3);
    private final List<Future<?>> running = new ArrayList<>();
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final Set<String> committed = ConcurrentHashMap.newKeySet();
    final AtomicInteger topicsCreated = new AtomicInteger();
    final List<String> churnFailures = new CopyOnWriteArrayList<>();

    ChurnWorkload(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    void startClients() {
        running.add(background.submit(this::produce));
        running.add(background.submit(this::consumeInGroup));
        running.add(background.submit(this::produceTransactionally));
    }

    /** Creates and deletes {@code threads * perThread} topics; returns when all are done. */
    void churn(int threads, int perThread) throws Exception {
        ExecutorService churners = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                // One client (one connection) per thread: a broker serves a connection's requests in order.
                done.add(churners.submit(() -> {
                    try (Admin admin = admin()) {
                        churn(admin, thread, perThread);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            churners.shutdownNow();
        }
    }

    private void churn(Admin admin, int thread, int perThread) {
        for (int i = 0; i < perThread; i += 3) {
            List<NewTopic> batch = new ArrayList<>();
            for (int j = i; j < Math.min(i + 3, perThread); j++) {
                batch.add(new NewTopic("churn-" + thread + "-" + j, 1 + j % 6, (short) -1));
            }
            tolerate(() -> admin.createTopics(batch).all().get(60, TimeUnit.SECONDS), TopicExistsException.class);
            topicsCreated.addAndGet(batch.size());
            tolerate(() -> admin.deleteTopics(batch.stream().map(NewTopic::name).toList()).all()
                    .get(60, TimeUnit.SECONDS), UnknownTopicOrPartitionException.class);
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    /** A retried admin call may meet its own earlier success; anything else is recorded as a failure. */
    private void tolerate(Call call, Class<? extends Exception> harmless) {
        try {
            call.run();
        } catch (ExecutionException e) {
            if (!harmless.isInstance(e.getCause())) {
                churnFailures.add(e.getCause().toString());
            }
        } catch (Exception e) {
            churnFailures.add(e.toString());
        }
    }

    private void produce() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(Map.of()))) {
            for (int i = 0; !stop.get(); i++) {
                String value = "v-" + i;
                producer.send(new ProducerRecord<>(STABLE, value, value), (md, e) -> {
                    if (e == null) {
                        acked.add(value);
                    }
                });
                Thread.sleep(5);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void consumeInGroup() {
        Properties p = consumerProps("churn-group");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(STABLE));
            while (!stop.get()) {
                consumer.poll(Duration.ofMillis(200));
                try {
                    consumer.commitSync(Duration.ofSeconds(5));
                } catch (KafkaException e) {
                    // a rebalance or a coordinator moving (controller killed): the next round commits
                }
            }
        }
    }

    private void produceTransactionally() {
        int txn = 0;
        while (!stop.get()) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "churn-txn",
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 20_000)))) {
                producer.initTransactions();
                while (!stop.get()) {
                    List<String> values = new ArrayList<>();
                    producer.beginTransaction();
                    for (int i = 0; i < 5; i++) {
                        String value = "t-" + txn + "-" + i;
                        values.add(value);
                        producer.send(new ProducerRecord<>(TXN_OUT, value, value));
                    }
                    producer.commitTransaction();
                    committed.addAll(values);
                    txn++;
                    Thread.sleep(20);
                }
            } catch (KafkaException e) {
                txn++; // this transaction's outcome is unknown: start over with a new producer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops the clients and waits until every send has been answered. */
    void stopClients() throws Exception {
        stop.set(true);
        for (Future<?> f : running) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    /** Every record of the topic, read read_committed from the beginning up to its current end. */
    List<String> readAll(String topic) {
        Properties p = consumerProps(null);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            while (!caughtUp(consumer, end) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    private Properties producerProps(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.putAll(extra);
        return p;
    }

    private Properties consumerProps(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return p;
    }

    static Collection<String> missing(Collection<String> expected, Collection<String> actual) {
        Set<String> have = Set.copyOf(actual);
        return expected.stream().filter(v -> !have.contains(v)).toList();
    }

    @Override
    public void close() {
        stop.set(true);
        background.shutdownNow();
    }
}
