package io.sluice.connect.converters;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.testkit.TestBroker;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** The schema registry the Avro tests run against: on {@code broker}, an ephemeral loopback port, leader known. */
public final class TestRegistries {
    private TestRegistries() {
    }

    public static RegistryServer start(TestBroker broker) {
        RegistryServer registry = RegistryServer.start(RegistryConfig.of(Map.of(
                RegistryConfig.LISTENERS, "http://127.0.0.1:0",
                RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap(),
                RegistryConfig.TOPIC_REPLICATION_FACTOR, "1")));
        await().atMost(Duration.ofSeconds(30)).until(registry::isLeader);
        return registry;
    }
}
