package io.sluice.registry.bench;

import io.sluice.broker.testing.TestBroker;
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

import java.util.Arrays;
import java.util.Map;

/**
 * Not a test: measures, on loopback against an in-process broker, registrations and lookups by id per second
 * over HTTP (p50/p99), and serializer throughput with the cached client against a raw byte[] baseline.
 *
 * <pre>
 * mvn -o -q -B -pl schema-registry test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt \
 *     -Dmdep.includeScope=test
 * java -cp schema-registry/target/test-classes:schema-registry/target/classes:$(cat schema-registry/target/test-cp.txt) \
 *     io.sluice.registry.bench.RegistryBenchmark [registrations] [lookups] [records]
 * </pre>
 */
public final class RegistryBenchmark {
    private RegistryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int registrations = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int records = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        try (TestBroker broker = TestBroker.start();
             RegistryServer registry = Registries.startLeader(broker, "bench", Map.of())) {
            Http http = new Http(registry.url());
            long[] latencies = new long[registrations];
            int lastId = 0;
            long start = System.nanoTime();
            for (int i = 0; i < registrations; i++) {
                long t = System.nanoTime();
                lastId = http.register("bench-" + i, "{\"type\":\"record\",\"name\":\"R" + i
                        + "\",\"fields\":[{\"name\":\"f\",\"type\":\"long\"}]}");
                latencies[i] = System.nanoTime() - t;
            }
            report("register", latencies, System.nanoTime() - start);

            latencies = new long[lookups];
            start = System.nanoTime();
            for (int i = 0; i < lookups; i++) {
                long t = System.nanoTime();
                if (http.get("/schemas/ids/" + (1 + i % lastId)).status() != 200) {
                    throw new IllegalStateException("lookup failed");
                }
                latencies[i] = System.nanoTime() - t;
            }
            report("lookup by id", latencies, System.nanoTime() - start);

            Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Event\",\"fields\":["
                    + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
                    + "{\"name\":\"score\",\"type\":\"double\"}]}");
            GenericRecord record = new GenericData.Record(schema);
            record.put("id", 123456789L);
            record.put("name", "an event name");
            record.put("score", 0.75);
            KafkaAvroSerializer avro = new KafkaAvroSerializer(new CachedSchemaRegistryClient(registry.url(), 100),
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()));
            byte[] sample = avro.serialize("bench", record);
            ByteArraySerializer raw = new ByteArraySerializer();
            long bytes = 0;
            for (int round = 0; round < 2; round++) {   // the first round warms up the JIT
                start = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    bytes += avro.serialize("bench", record).length;
                }
                double avroRate = records / ((System.nanoTime() - start) / 1e9);
                start = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    bytes += raw.serialize("bench", sample.clone()).length;
                }
                double rawRate = records / ((System.nanoTime() - start) / 1e9);
                if (round == 1) {
                    System.out.printf("serializer: avro %.0f records/s, raw byte[] %.0f records/s (avro/raw %.2f), "
                            + "%d bytes per record%n", avroRate, rawRate, avroRate / rawRate, sample.length);
                }
            }
            if (bytes == 42) {
                System.out.println();
            }
        }
    }

    private static void report(String what, long[] latenciesNs, long totalNs) {
        long[] sorted = latenciesNs.clone();
        Arrays.sort(sorted);
        System.out.printf("%s: %.0f/s, p50 %.2f ms, p99 %.2f ms (%d requests)%n", what,
                sorted.length / (totalNs / 1e9), sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length);
    }
}
