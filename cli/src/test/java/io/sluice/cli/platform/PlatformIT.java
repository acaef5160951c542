package io.sluice.cli.platform;

import io.sluice.cli.Sluice;
import io.sluice.testkit.ChildBroker;
import io.sluice.testkit.ChildJvm;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice platform} in a child JVM: ready line, a record, a schema and a connector (connect-file from the
 * build's plugins, the default plugin.path), SIGTERM, restart, all still there.
 */
class PlatformIT {
    private static final Pattern READY = Pattern.compile(
            "^Sluice platform ready in .*: broker (\\S+), schema registry (\\S+), connect (\\S+)\\.");
    private static final String TOPIC = "orders";
    private static final String SCHEMA = "{\"schema\": \"{\\\"type\\\":\\\"string\\\"}\"}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesBrokerAndRegistryAndKeepsBothAcrossARestart(@TempDir Path tmp) throws Exception {
        int brokerPort = ChildBroker.freePort();
        int registryPort = ChildBroker.freePort();
        int connectPort = ChildBroker.freePort();
        Path sinkFile = tmp.resolve("orders.txt");
        List<String> args = List.of("platform",
                "--broker-config", Path.of("..", "config", "broker.properties").toString(),
                "--registry-config", Path.of("..", "config", "registry.properties").toString(),
                "--override", "broker.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "--override", "broker.log.dirs=" + tmp.resolve("data"),
                "--override", "broker.offsets.topic.num.partitions=3",
                "--override", "broker.group.initial.rebalance.delay.ms=0",
                "--override", "registry.listeners=http://127.0.0.1:" + registryPort,
                "--override", "connect.listeners=http://127.0.0.1:" + connectPort,
                "--override", "connect.offset.flush.interval.ms=500");
        try (ChildJvm platform = new ChildJvm(tmp.resolve("platform.log"), "768m", Sluice.class.getName(), args)) {
            var ready = platform.start().awaitLine(READY, 90_000);
            String bootstrap = ready.group(1);
            String registry = ready.group(2);
            String connect = ready.group(3);
            assertThat(connect).isEqualTo("http://127.0.0.1:" + connectPort);
            assertThat(bootstrap).isEqualTo("127.0.0.1:" + brokerPort);
            assertThat(registry).isEqualTo("http://127.0.0.1:" + registryPort);
            assertThat(platform.output()).contains("reachable from this machine only")
                    .doesNotContain("\u001b[");

            produce(bootstrap, List.of("a", "b", "c"));
            HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
                            URI.create(registry + "/subjects/orders-value/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
            assertThat(registered.body()).isEqualTo("{\"id\":1}");

            // a sink on the platform's worker, with the platform's defaults: plugins, StringConverter by connector
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(connect + "/connectors"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(sinkBody(sinkFile)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            awaitLines(sinkFile, List.of("a", "b", "c"));

            assertThat(platform.terminate(60)).isEqualTo(143);
            String stopping = platform.output();
            assertThat(stopping).contains("Schema registry " + registry + " stopped", "Sluice platform stopped",
                    "Kafka Connect worker " + connect + "/ stopped");
            assertThat(stopping.indexOf("Kafka Connect worker " + connect + "/ stopped"))
                    .as("the worker stops before the registry")
                    .isLessThan(stopping.indexOf("Schema registry " + registry + " stopped"));
            assertThat(stopping.indexOf("Schema registry " + registry + " stopped"))
                    .as("the registry stops before the broker")
                    .isLessThan(stopping.indexOf("Sluice platform stopped"));

            platform.start().awaitLine(READY, 90_000);
            assertThat(consume(bootstrap, 3)).containsExactly("a", "b", "c");
            HttpResponse<String> stored = http.send(HttpRequest.newBuilder(
                    URI.create(registry + "/subjects/orders-value/versions/1")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stored.statusCode()).isEqualTo(200);
            assertThat(stored.body()).contains("\"id\":1", "\"version\":1", "\"subject\":\"orders-value\"");
            // standalone: the connector is not remembered, but the sink's group offsets are; re-created it goes on
            produce(bootstrap, List.of("d"));
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(connect + "/connectors"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(sinkBody(sinkFile)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
            awaitLines(sinkFile, List.of("a", "b", "c", "d"));
        }
    }

    @Test
    void refusesAnOverrideWithoutAPartPrefix(@TempDir Path tmp) throws Exception {
        try (ChildJvm platform = new ChildJvm(tmp.resolve("bad.log"), "256m", Sluice.class.getName(),
                List.of("platform", "--override", "listeners=PLAINTEXT://127.0.0.1:1"))) {
            platform.start().awaitLine(Pattern.compile("Invalid --override 'listeners=PLAINTEXT://127.0.0.1:1'"), 30_000);
        }
    }

    @Test
    void refusesABadConnectSettingBeforeStartingAnything(@TempDir Path tmp) throws Exception {
        try (ChildJvm platform = new ChildJvm(tmp.resolve("bad-connect.log"), "256m", Sluice.class.getName(),
                List.of("platform", "--override", "connect.offset.flush.interval.ms=soon"))) {
            platform.start().awaitLine(Pattern.compile("Invalid configuration: .*soon.*offset\\.flush\\.interval\\.ms"),
                    30_000);
        }
    }

    private static String sinkBody(Path file) {
        return "{\"name\":\"orders-sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"" + TOPIC
                + "\",\"file\":\"" + file + "\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}}";
    }

    private static void awaitLines(Path file, List<String> expected) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
                && !(Files.exists(file) && Files.readAllLines(file).equals(expected))) {
            Thread.sleep(100);
        }
        assertThat(Files.exists(file) ? Files.readAllLines(file) : List.of()).isEqualTo(expected);
    }

    private static void produce(String bootstrap, List<String> values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, v)).get();
            }
        }
    }

    private static List<String> consume(String bootstrap, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
