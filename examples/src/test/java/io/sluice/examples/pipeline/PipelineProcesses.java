package io.sluice.examples.pipeline;

import io.sluice.examples.enrich.EnrichCommand;
import io.sluice.testkit.ChildJvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The pipeline's three processes, each in a child JVM that can be SIGKILLed and started again: a Connect worker
 * running the JDBC source ({@code orders} → topic {@code shop-orders}), the {@code enrich-orders} job
 * ({@code shop-orders} → {@code shop-orders-enriched}) and a Connect worker running the exactly-once JDBC sink
 * ({@code shop-orders-enriched} → {@code orders_enriched}). Logs go to target/ for a failing run's post-mortem.
 */
final class PipelineProcesses implements AutoCloseable {
    static final String ORDERS_TOPIC = "shop-orders";
    static final String ENRICHED_TOPIC = "shop-orders-enriched";
    private static final Pattern WORKER_READY = Pattern.compile("Sluice Connect \\(standalone\\) ready");
    private static final Pattern JOB_READY = Pattern.compile("Enriching .* as transactional id");

    enum Part { SOURCE, JOB, SINK }

    /** The value converter every part uses, with its settings (JsonConverter now, AvroConverter with a registry). */
    record Converter(String className, Map<String, String> config) {
    }

    private final Map<Part, ChildJvm> children = new EnumMap<>(Part.class);

    PipelineProcesses(Path dir, String name, String bootstrap, PipelineDatabase db, Converter converter)
            throws IOException {
        Path logs = Path.of("target", "pipeline-logs").toAbsolutePath();
        Files.createDirectories(logs);
        List<String> common = new ArrayList<>(List.of("bootstrap.servers=" + bootstrap,
                "listeners=http://127.0.0.1:0", "offset.flush.interval.ms=500",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=" + converter.className()));
        converter.config().forEach((k, v) -> common.add("value.converter." + k + "=" + v));
        List<String> connection = new ArrayList<>(List.of("connection.url=" + db.url()));
        if (db.user() != null) {
            connection.add("connection.user=" + db.user());
        }

        List<String> sourceWorker = new ArrayList<>(common);
        sourceWorker.add("offset.storage.file.filename=" + dir.resolve("source.offsets"));
        // Each poll's records and the table offsets they reach commit in one Kafka transaction.
        sourceWorker.add("exactly.once.source.support=enabled");
        sourceWorker.add("offset.storage.topic=orders-source-offsets");
        List<String> source = new ArrayList<>(List.of("name=orders-source", "connector.class=JdbcSourceConnector",
                "mode=incrementing", "incrementing.column.name=id", "table.whitelist=orders", "topic.prefix=shop-",
                "poll.interval.ms=200", "batch.max.rows=500", "exactly.once.support=required"));
        source.addAll(connection);
        children.put(Part.SOURCE, worker(dir, logs.resolve(name + "-source.log"), "source", sourceWorker, source));

        List<String> sinkWorker = new ArrayList<>(common);
        sinkWorker.add("offset.storage.file.filename=" + dir.resolve("sink.offsets"));
        List<String> sink = new ArrayList<>(List.of("name=orders-sink", "connector.class=JdbcSinkConnector",
                "topics=" + ENRICHED_TOPIC, "table.name.format=orders_enriched", "insert.mode=insert",
                "pk.mode=none", "auto.create=true", "exactly.once=true", "batch.size=500",
                // A restarted worker takes its killed self's place at once instead of waiting out the session.
                "consumer.override.group.instance.id=orders-sink-0", "consumer.override.session.timeout.ms=6000",
                "consumer.override.heartbeat.interval.ms=1000"));
        sink.addAll(connection);
        children.put(Part.SINK, worker(dir, logs.resolve(name + "-sink.log"), "sink", sinkWorker, sink));

        List<String> job = new ArrayList<>(List.of("--bootstrap-server", bootstrap, "--input", ORDERS_TOPIC,
                "--output", ENRICHED_TOPIC, "--group", "enrich-orders", "--transactional-id", "enrich-orders-0",
                "--format", "connect", "--converter", converter.className()));
        converter.config().forEach((k, v) -> job.addAll(List.of("--converter-config", k + "=" + v)));
        Files.deleteIfExists(logs.resolve(name + "-job.log"));
        children.put(Part.JOB, new ChildJvm(logs.resolve(name + "-job.log"), "256m", EnrichCommand.class.getName(),
                job));
    }

    private static ChildJvm worker(Path dir, Path log, String name, List<String> worker, List<String> connector)
            throws IOException {
        Path workerFile = Files.write(dir.resolve(name + "-worker.properties"), worker);
        Path connectorFile = Files.write(dir.resolve(name + ".properties"), connector);
        Files.deleteIfExists(log);
        return new ChildJvm(log, "256m", ConnectWorkerMain.class.getName(),
                List.of("standalone", workerFile.toString(), connectorFile.toString()));
    }

    void start(Part part) throws IOException, InterruptedException {
        ChildJvm child = children.get(part).start();
        child.awaitLine(part == Part.JOB ? JOB_READY : WORKER_READY, 120_000);
    }

    void kill(Part part) throws InterruptedException {
        children.get(part).kill();
    }

    /** Every run's output of one part (the log files keep earlier runs). */
    String log(Part part) throws IOException {
        return Files.readString(children.get(part).logFile());
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildJvm child : children.values()) {
            child.close();
        }
    }
}
