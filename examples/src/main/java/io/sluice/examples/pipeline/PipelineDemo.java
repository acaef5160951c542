package io.sluice.examples.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.examples.enrich.ConnectOrders;
import io.sluice.examples.enrich.OrderEnrichmentJob;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The exactly-once pipeline, set up against a running platform ({@code sluice platform --demo}): an H2 database in
 * the data directory with the {@code orders} table, the JDBC source and sink created through the worker's REST API
 * (as the README does with curl), the {@code enrich-orders} job on Avro records in this process, a trickle of new
 * orders, and every few seconds a line saying whether {@code orders_enriched} is {@code orders} enriched.
 */
public final class PipelineDemo implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineDemo.class);
    public static final String AVRO_CONVERTER = "io.sluice.connect.converters.AvroConverter";
    static final String ORDERS_TOPIC = "shop-orders";
    static final String ENRICHED_TOPIC = "shop-orders-enriched";
    private static final int ORDERS_PER_SECOND = 20;

    private final String db;
    /** The writer's; held open from start to close, which also makes this process the one serving the H2 file. */
    private final Connection connection;
    private final OrderEnrichmentJob job;
    private final Thread jobThread;
    private final Thread writer;
    private final ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pipeline-demo-report");
        t.setDaemon(true);
        return t;
    });

    private PipelineDemo(String db, Connection connection, OrderEnrichmentJob job) {
        this.db = db;
        this.connection = connection;
        this.job = job;
        jobThread = new Thread(job::run, "pipeline-demo-enrich-orders");
        writer = new Thread(this::writeOrders, "pipeline-demo-orders");
        writer.setDaemon(true);
    }

    /** Sets the pipeline up and starts it; the database lives in {@code dataDir/demo}. */
    public static PipelineDemo start(Path dataDir, String bootstrap, String registryUrl, String connectUrl)
            throws SQLException, IOException, InterruptedException, ExecutionException {
        Path dbDir = Files.createDirectories(dataDir.resolve("demo")).toAbsolutePath();
        String db = "jdbc:h2:" + dbDir.resolve("shop") + ";AUTO_SERVER=TRUE";
        Connection connection = DriverManager.getConnection(db);
        ShopOrders.createTable(connection);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String topic : List.of(ORDERS_TOPIC, ENRICHED_TOPIC)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        putConnector(connectUrl, "orders-source", Map.of("connector.class", "JdbcSourceConnector",
                "connection.url", db, "mode", "incrementing", "incrementing.column.name", "id",
                "table.whitelist", "orders", "topic.prefix", "shop-", "poll.interval.ms", "500",
                "exactly.once.support", "requested"));
        putConnector(connectUrl, "orders-sink", Map.of("connector.class", "JdbcSinkConnector",
                "connection.url", db, "topics", ENRICHED_TOPIC, "table.name.format", "orders_enriched",
                "insert.mode", "insert", "pk.mode", "none", "auto.create", "true", "exactly.once", "true"));
        OrderEnrichmentJob job = new OrderEnrichmentJob(new OrderEnrichmentJob.Settings(bootstrap, ORDERS_TOPIC,
                ENRICHED_TOPIC, "enrich-orders", "enrich-orders-demo",
                ConnectOrders.using(AVRO_CONVERTER, Map.of("schema.registry.url", registryUrl), ENRICHED_TOPIC),
                "shop-orders-errors"));
        PipelineDemo demo = new PipelineDemo(db, connection, job);
        demo.jobThread.start();
        demo.writer.start();
        demo.reporter.scheduleWithFixedDelay(demo::report, 10, 10, TimeUnit.SECONDS);
        System.out.println("Pipeline demo: " + ORDERS_PER_SECOND + " orders/s into table orders of " + db
                + " -> JDBC source -> " + ORDERS_TOPIC + " (Avro) -> enrich-orders -> " + ENRICHED_TOPIC
                + " -> JDBC sink (exactly.once) -> table orders_enriched");
        return demo;
    }

    private static void putConnector(String connectUrl, String name, Map<String, String> config)
            throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create(connectUrl + "/connectors/" + name + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(new ObjectMapper().writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("Creating connector " + name + " failed: HTTP " + response.statusCode() + " "
                    + response.body());
        }
    }

    private void writeOrders() {
        try {
            ShopOrders.insert(connection, ShopOrders.lastId(connection) + 1, Long.MAX_VALUE / 2, ORDERS_PER_SECOND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            log.error("Pipeline demo: inserting orders failed", e);
        }
    }

    private void report() {
        try (Connection own = DriverManager.getConnection(db)) {
            System.out.println("Pipeline demo: " + ShopOrders.check(own));
        } catch (SQLException e) {
            System.out.println("Pipeline demo: waiting for the sink to create orders_enriched (" + e.getMessage() + ")");
        }
    }

    @Override
    public void close() throws InterruptedException, SQLException {
        reporter.shutdownNow();
        writer.interrupt();
        writer.join(5_000);
        job.stop();
        jobThread.join(10_000);
        job.close();
        connection.close();
    }
}
