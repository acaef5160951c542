package io.sluice.examples.enrich;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code enrich-orders}: runs {@link OrderEnrichmentJob} until interrupted. */
@Command(name = "enrich-orders", mixinStandardHelpOptions = true,
        description = "Exactly-once consume-process-produce job: enriches orders with their total.")
public final class EnrichCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092", description = "Broker to connect to.")
    String bootstrap;

    @Option(names = "--input", defaultValue = "orders", description = "Topic to read orders from.")
    String input;

    @Option(names = "--output", defaultValue = "orders-enriched", description = "Topic to write enriched orders to.")
    String output;

    @Option(names = "--group", defaultValue = "order-enrichment", description = "Consumer group id.")
    String group;

    @Option(names = "--transactional-id", defaultValue = "order-enrichment-1",
            description = "Transactional id; a restarted instance must reuse it.")
    String transactionalId;

    @Option(names = "--format", defaultValue = "csv",
            description = "Order format: csv (\"item,quantity,unitPriceCents\" strings) or connect (structs with "
                    + "quantity and unit_price fields, as the JDBC source writes them, read and written with --converter).")
    String format;

    @Option(names = "--converter", defaultValue = "org.apache.kafka.connect.json.JsonConverter",
            description = "With --format connect: the value converter class (e.g. io.sluice.connect.converters.AvroConverter).")
    String converter;

    @Option(names = "--converter-config", description = "With --format connect: a converter setting as key=value "
            + "(repeatable), e.g. schema.registry.url=http://127.0.0.1:8081.")
    Map<String, String> converterConfig = new LinkedHashMap<>();

    @Option(names = "--errors-topic", description = "Topic for orders that cannot be read (with the reason in "
            + "__connect.errors.* headers); without it such an order stops the job.")
    String errorsTopic;

    @Override
    public Integer call() throws Exception {
        OrderFormat orders = switch (format) {
            case "csv" -> new CsvOrders();
            case "connect" -> ConnectOrders.using(converter, converterConfig, output);
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--format must be csv or connect, not '" + format + "'");
        };
        OrderEnrichmentJob job = new OrderEnrichmentJob(new OrderEnrichmentJob.Settings(bootstrap, input, output, group,
                transactionalId, orders, errorsTopic));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            job.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            job.run();
        } finally {
            job.close();
            done.countDown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EnrichCommand()).execute(args));
    }
}
