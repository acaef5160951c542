package io.sluice.examples.pipeline;

import io.sluice.examples.pipeline.PipelineProcesses.Part;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The exactly-once database-to-database pipeline (issue 12's done-when): rows inserted into {@code orders} while the
 * JDBC source worker, the enrichment job and the JDBC sink worker — each in its own JVM — are SIGKILLed at random
 * moments and restarted — values in Avro, schemas in Sluice's registry; at the end {@code orders_enriched} holds every order exactly once, with its total.
 * Each database runs this through a subclass.
 */
abstract class PipelineBehaviour {
    private static final int CHUNK = 100;
    /** How far the writer may run ahead of orders_enriched: rows keep coming until the last kill is done. */
    private static final long LEAD = 2_000;

    @TempDir
    Path dir;

    /** A new database reachable from child JVMs; closed by the test. */
    abstract PipelineDatabase database() throws Exception;

    @Test
    void everyOrderArrivesEnrichedExactlyOnceDespiteSigkillsOfEveryPart() throws Exception {
        run(20_000, 2);
    }

    /** The done-when's size; run with -Dsluice.long=true. */
    @Test
    @Tag("long")
    @EnabledIfSystemProperty(named = "sluice.long", matches = "true")
    void aHundredThousandOrdersExactlyOnceDespiteSigkillsOfEveryPart() throws Exception {
        run(100_000, 3);
    }

    private void run(int orders, int killsEach) throws Exception {
        long started = System.nanoTime();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.printf("%s: kill schedule seed %d%n", getClass().getSimpleName(), seed);
        try (PipelineDatabase db = database(); TestBroker broker = TestBroker.start();
             RegistryServer registry = startRegistry(broker)) {
            db.createOrders();
            broker.createTopic(PipelineProcesses.ORDERS_TOPIC, 2, Map.of());
            broker.createTopic(PipelineProcesses.ENRICHED_TOPIC, 2, Map.of());
            // The seed in the name keeps each run's logs (target/pipeline-logs) apart for a post-mortem.
            String name = getClass().getSimpleName() + "-" + orders + "-" + seed;
            try (PipelineProcesses parts = new PipelineProcesses(dir, name, broker.bootstrap(), db,
                    new PipelineProcesses.Converter("io.sluice.connect.converters.AvroConverter",
                            Map.of("schema.registry.url", registry.url())))) {
                for (Part part : Part.values()) {
                    parts.start(part);
                }
                // Inserted while everything runs, never far ahead of the sink, so every kill lands mid-stream.
                AtomicReference<Throwable> writerFailure = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try {
                        insertOrders(db, orders);
                    } catch (Throwable e) {
                        writerFailure.set(e);
                    }
                }, "orders-writer");
                writer.start();

                List<Part> kills = new ArrayList<>();
                for (Part part : Part.values()) {
                    for (int i = 0; i < killsEach; i++) {
                        kills.add(part);
                    }
                }
                Collections.shuffle(kills, random);
                int midStream = 0;
                for (int k = 0; k < kills.size(); k++) {
                    // Kill k at a random point of its share of the stream, as seen in orders_enriched.
                    long share = orders / (kills.size() + 1);
                    long at = share * k + share / 2 + random.nextLong(share);
                    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(20))
                            .until(() -> db.count("orders_enriched") >= at);
                    Part part = kills.get(k);
                    parts.kill(part);
                    long atKill = db.count("orders_enriched");
                    if (atKill < orders) {
                        midStream++;
                    }
                    System.out.printf("%s: killed %s with %d of %d orders in orders_enriched%n", name, part, atKill,
                            orders);
                    Thread.sleep(random.nextInt(1_000));
                    parts.start(part);
                }
                assertThat(midStream).as("kills that hit the pipeline mid-stream").isEqualTo(kills.size());
                writer.join(300_000);
                assertThat(writerFailure.get()).as("orders writer").isNull();

                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> db.count("orders_enriched") >= orders);
                Thread.sleep(3_000); // a duplicate written late would show now
                for (String topic : List.of(PipelineProcesses.ORDERS_TOPIC, PipelineProcesses.ENRICHED_TOPIC)) {
                    System.out.println(name + ": " + TopicIds.summary(broker, topic, registry.url()));
                }
                System.out.println(name + ": orders_enriched ids stored more than once: " + db.repeatedIds());
                assertThat(db.countAndDistinct("orders")).isEqualTo(orders + "|" + orders);
                assertThat(db.countAndDistinct("orders_enriched")).as("rows and distinct ids in orders_enriched")
                        .isEqualTo(orders + "|" + orders);
                assertThat(db.ordersEnriched()).isEqualTo(db.ordersEnrichedByHand());
                try (Connection c = db.connect()) {
                    assertThat(ShopOrders.check(c).exact()).as("sluice example shop-orders --check").isTrue();
                }
                for (Part part : Part.values()) {
                    assertThat(parts.log(part)).as("%s log", part).doesNotContain("FAILED");
                }
                assertThat(subjects(registry)).as("Avro value schemas in the registry")
                        .contains("\"shop-orders-value\"", "\"shop-orders-enriched-value\"");
            }
        }
        System.out.printf("%s: %d orders through the pipeline, %d SIGKILLs of each part, in %d s%n",
                getClass().getSimpleName(), orders, killsEach, Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    private static RegistryServer startRegistry(TestBroker broker) {
        RegistryServer registry = RegistryServer.start(RegistryConfig.of(Map.of(
                RegistryConfig.LISTENERS, "http://127.0.0.1:0",
                RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap(),
                RegistryConfig.TOPIC_REPLICATION_FACTOR, "1")));
        await().atMost(Duration.ofSeconds(30)).until(registry::isLeader);
        return registry;
    }

    private static String subjects(RegistryServer registry) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Orders 1..count in transactions of CHUNK rows, at most LEAD ahead of what reached orders_enriched. */
    private static void insertOrders(PipelineDatabase db, int count) throws SQLException, InterruptedException {
        try (Connection c = db.connect()) {
            for (int first = 1; first <= count; first += CHUNK) {
                while (first - 1 - db.count("orders_enriched") > LEAD) {
                    Thread.sleep(20);
                }
                ShopOrders.insert(c, first, Math.min(CHUNK, count - first + 1), 100_000);
            }
        }
    }
}
