package io.sluice.registry.bench;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.serde.AvroSerdeConfig;
import io.sluice.registry.serde.KafkaAvroSerializer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test (surefire runs only {@code *Test}): starts an in-process Sluice broker and one registry on it, then
 * measures over loopback HTTP, one request at a time, registrations of new schemas (each a write through the
 * store topic, acknowledged once read back), registrations of an already known schema and lookups by id, with
 * p50/p99; then serializer throughput with the cached client (Avro generic record against a raw {@code byte[]}
 * baseline). Prints a markdown table and, given a file, writes it there. Run it with {@code bench/registry.sh}.
 *
 * <p>Arguments: {@code [registrations] [lookups] [records] [table-file]} (defaults 1000, 20000, 1000000, none).
 */
public final class RegistryBenchmark {
    private static final int WARM_UP_REQUESTS = 200;
    private static final int SERIALIZER_ROUNDS = 5;   // the first warms up the JIT and is not counted

    private final List<String> rows = new ArrayList<>();

    private RegistryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int registrations = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int records = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        Path tableFile = args.length > 3 ? Path.of(args[3]) : null;

        RegistryBenchmark bench = new RegistryBenchmark();
        try (TestBroker broker = TestBroker.start();
             RegistryServer registry = Registries.startLeader(broker, "bench", Map.of())) {
            bench.http(new Http(registry.url()), registrations, lookups);
            bench.serializer(registry.url(), records);
        }
        String table = String.join("\n", List.of(
                "| workload | requests / records | throughput | p50 ms | p99 ms | max ms |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
                String.join("\n", bench.rows))) + "\n";
        System.out.println();
        System.out.print(table);
        if (tableFile != null) {
            Files.writeString(tableFile, table);
        }
        // The store's and broker's non-daemon threads are closed above; exit anyway so a straggler cannot hang the script.
        System.exit(0);
    }

    private static String schema(String name) {
        return "{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[{\"name\":\"f\",\"type\":\"long\"}]}";
    }

    private void http(Http http, int registrations, int lookups) {
        for (int i = 0; i < WARM_UP_REQUESTS; i++) {
            http.register("warm-up-" + i, schema("W" + i));
        }
        long[] latencies = new long[registrations];
        int lastId = 0;
        long start = System.nanoTime();
        for (int i = 0; i < registrations; i++) {
            long t = System.nanoTime();
            lastId = http.register("bench-" + i, schema("R" + i));
            latencies[i] = System.nanoTime() - t;
        }
        timed("register a new schema (HTTP, via the store topic)", latencies, System.nanoTime() - start);

        latencies = new long[registrations];
        start = System.nanoTime();
        for (int i = 0; i < registrations; i++) {
            long t = System.nanoTime();
            http.register("bench-" + i, schema("R" + i));
            latencies[i] = System.nanoTime() - t;
        }
        timed("register an already known schema (HTTP)", latencies, System.nanoTime() - start);

        for (int i = 0; i < WARM_UP_REQUESTS; i++) {
            lookUp(http, 1 + i % lastId);
        }
        latencies = new long[lookups];
        start = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
            long t = System.nanoTime();
            lookUp(http, 1 + i % lastId);
            latencies[i] = System.nanoTime() - t;
        }
        timed("look up a schema by id (HTTP, GET /schemas/ids/{id})", latencies, System.nanoTime() - start);
    }

    private static void lookUp(Http http, int id) {
        Http.Answer answer = http.get("/schemas/ids/" + id);
        if (answer.status() != 200) {
            throw new IllegalStateException("lookup of id " + id + " failed: " + answer);
        }
    }

    private void serializer(String registryUrl, int records) {
        Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Event\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
                + "{\"name\":\"score\",\"type\":\"double\"}]}");
        GenericRecord record = new GenericData.Record(schema);
        record.put("id", 123456789L);
        record.put("name", "an event name");
        record.put("score", 0.75);
        KafkaAvroSerializer avro = new KafkaAvroSerializer(new CachedSchemaRegistryClient(registryUrl, 100),
                Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl));
        byte[] sample = avro.serialize("bench", record);
        ByteArraySerializer raw = new ByteArraySerializer();
        double[] avroRates = new double[SERIALIZER_ROUNDS - 1];
        double[] rawRates = new double[SERIALIZER_ROUNDS - 1];
        long bytes = 0;
        for (int round = 0; round < SERIALIZER_ROUNDS; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                bytes += avro.serialize("bench", record).length;
            }
            double avroRate = records / ((System.nanoTime() - start) / 1e9);
            start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                // The clone stands for building the byte[] a raw producer would send, so both sides allocate.
                bytes += raw.serialize("bench", sample.clone()).length;
            }
            double rawRate = records / ((System.nanoTime() - start) / 1e9);
            if (round > 0) {
                avroRates[round - 1] = avroRate;
                rawRates[round - 1] = rawRate;
            }
        }
        if (bytes == 42) {   // keeps the JIT from dropping the loops
            System.out.println();
        }
        double avroRate = median(avroRates);
        double rawRate = median(rawRates);
        rows.add(String.format(Locale.ROOT, "| serialize, Avro generic record (%d bytes, cached client) | %d x %d rounds "
                + "| %,.0f records/s (%.0f ns each) | | | |", sample.length, records, SERIALIZER_ROUNDS - 1, avroRate,
                1e9 / avroRate));
        rows.add(String.format(Locale.ROOT, "| serialize, raw byte[] baseline (%d bytes) | %d x %d rounds "
                + "| %,.0f records/s (%.0f ns each) | | | |", sample.length, records, SERIALIZER_ROUNDS - 1, rawRate,
                1e9 / rawRate));
        rows.add(String.format(Locale.ROOT, "| serialize, Avro / raw throughput | | %.3g | | | |", avroRate / rawRate));
        rows.subList(rows.size() - 3, rows.size()).forEach(r -> System.err.println("[registry-bench] " + r));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private void timed(String what, long[] latenciesNs, long totalNs) {
        long[] sorted = latenciesNs.clone();
        Arrays.sort(sorted);
        String row = String.format(Locale.ROOT, "| %s | %d | %,.0f /s | %.2f | %.2f | %.2f |", what, sorted.length,
                sorted.length / (totalNs / 1e9), sorted[sorted.length / 2] / 1e6,
                sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6, sorted[sorted.length - 1] / 1e6);
        rows.add(row);
        System.err.println("[registry-bench] " + row);
    }
}
