package io.sluice.examples.avro;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Avro example against an in-process broker and registry, through its command line and directly. */
class AvroExampleTest {
    static TestBroker broker;
    static RegistryServer registry;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        registry = RegistryServer.start(RegistryConfig.of(Map.of(
                RegistryConfig.LISTENERS, "http://127.0.0.1:0",
                RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap(),
                RegistryConfig.TOPIC_REPLICATION_FACTOR, "1")));
        await().atMost(Duration.ofSeconds(30)).until(registry::isLeader);
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    @Test
    void commandProducesEvolvesRefusesABreakingChangeAndConsumes() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        AvroCommand command = new AvroCommand();
        command.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        int code = new CommandLine(command).execute("--bootstrap-server", broker.bootstrap(),
                "--registry-url", registry.url(), "--topic", "payments-cli");

        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(code).as(output).isZero();
        assertThat(output)
                .contains("v1 has id 1; produced p-1, p-2")
                .contains("registry says v2 is compatible with BACKWARD: true")
                .contains("v2 has id 2; produced p-3 (USD)")
                .contains("registry refused v3: HTTP 409, error_code 409")
                .contains("producer refused to send a v3 record: SerializationException")
                .contains("as written (schema v2): {\"id\": \"p-3\", \"amount\": 7.25, \"currency\": \"USD\"}")
                .contains("by a consumer still on v1:  {\"id\": \"p-3\", \"amount\": 7.25}")
                .contains("Done: v1 and v2 data readable")
                .doesNotContain("UNEXPECTED");
    }

    @Test
    void runReportsWhatItDidAndCanBeRepeated() throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        AvroExample.Result first = new AvroExample(broker.bootstrap(), registry.url(), "payments-repeat", quiet).run();
        AvroExample.Result second = new AvroExample(broker.bootstrap(), registry.url(), "payments-repeat", quiet).run();

        for (AvroExample.Result result : new AvroExample.Result[] {first, second}) {
            assertThat(result.asExpected()).isTrue();
            assertThat(result.v2Id()).isGreaterThan(result.v1Id());
            assertThat(result.refusedErrorCode()).isEqualTo(409);
            assertThat(result.serializerRefused()).isTrue();
            assertThat(result.asWritten()).extracting(r -> r.get("id").toString()).containsExactly("p-1", "p-2", "p-3");
            GenericRecord third = result.asWritten().get(2);
            assertThat(third.get("currency").toString()).isEqualTo("USD");
            assertThat(result.asV1()).allSatisfy(r -> assertThat(r.getSchema().getField("currency")).isNull());
            assertThat(result.asV1().get(2).get("amount")).isEqualTo(7.25);
        }
        // The second run reuses the ids the first registered: same schemas, same ids.
        assertThat(second.v1Id()).isEqualTo(first.v1Id());
        assertThat(second.v2Id()).isEqualTo(first.v2Id());
    }
}
