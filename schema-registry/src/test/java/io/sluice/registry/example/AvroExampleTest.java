package io.sluice.registry.example;

import io.sluice.broker.testing.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Registries;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AvroExampleTest {

    @Test
    void producesEvolvesRefusesABreakingChangeAndConsumes() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RegistryServer registry = Registries.startLeader(broker, "example", Map.of())) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            AvroExample.Result result = AvroExample.run(broker.bootstrap(), registry.url(), "payments-avro",
                    new PrintStream(printed, true, StandardCharsets.UTF_8));

            assertThat(result.v2Id()).isGreaterThan(result.v1Id());
            assertThat(result.refusedErrorCode()).isEqualTo(409);
            assertThat(result.asWritten()).hasSize(3);
            GenericRecord third = result.asWritten().get(2);
            assertThat(third.get("currency").toString()).isEqualTo("USD");
            assertThat(result.asV1()).hasSize(3);
            assertThat(result.asV1().get(2).getSchema().getField("currency")).isNull();
            assertThat(result.asV1().get(2).get("amount")).isEqualTo(7.25);
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("refused: error 409");
        }
    }
}
