package io.sluice.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.connect.rest.RestClient;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.connect.storage.StringConverter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** A standalone worker on a test broker, with the REST and topic helpers the Connect ITs share. */
final class WorkerFixture implements AutoCloseable {
    final TestBroker broker;
    final ConnectStandalone connect;
    final RestClient rest;

    private WorkerFixture(TestBroker broker, ConnectStandalone connect) {
        this.broker = broker;
        this.connect = connect;
        this.rest = new RestClient(connect.url());
    }

    /** The plugins the build stages for the tests (Apache Kafka's file connectors among them). */
    static final Path PLUGIN_PATH = Path.of("target/plugins").toAbsolutePath();

    /**
     * What every test worker needs: {@code broker}, the test plugins, REST on an ephemeral loopback port, string
     * converters, and its offsets file in {@code dir}. Mutable, for a test's own settings.
     */
    static Map<String, String> settings(TestBroker broker, Path dir) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrap());
        settings.put("plugin.path", PLUGIN_PATH.toString());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        settings.put("key.converter", StringConverter.class.getName());
        settings.put("value.converter", StringConverter.class.getName());
        return settings;
    }

    /** A worker with {@link #settings}, offsets flushed every 500 ms, then {@code extra}. */
    static WorkerFixture start(TestBroker broker, Path dir, Map<String, String> extra) {
        Map<String, String> settings = settings(broker, dir);
        settings.put("offset.flush.interval.ms", "500");
        settings.putAll(extra);
        return new WorkerFixture(broker, ConnectStandalone.start(settings, List.of()));
    }

    /** The task's state as REST reports it, or "" while it has none. */
    String taskState(String connector, int task) {
        RestClient.Response status = rest.get("/connectors/" + connector + "/tasks/" + task + "/status");
        return status.status() == 200 ? status.body().get("state").asText() : "";
    }

    JsonNode taskStatus(String connector, int task) {
        return rest.get("/connectors/" + connector + "/tasks/" + task + "/status").body();
    }

    void awaitTaskState(String connector, int task, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> taskState(connector, task).equals(state));
    }

    /** Reads {@code expected} records of {@code topic} from the start (bounded), then a moment more for extras. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer("check-" + topic + "-" + System.nanoTime(),
                Map.of("isolation.level", "read_committed"))) {
            // assign, not subscribe: no group to join, so reading costs no rebalance
            long deadline = System.currentTimeMillis() + 30_000;
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p ->
                        partitions.add(new org.apache.kafka.common.TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        var header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    static String value(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == null ? null : new String(record.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        connect.close();
    }
}
