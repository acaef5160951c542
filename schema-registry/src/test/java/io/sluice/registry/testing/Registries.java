package io.sluice.registry.testing;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;

import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** Starts registry instances against a test broker, each class of tests on its own store topic and group. */
public final class Registries {
    private Registries() {
    }

    public static Map<String, String> settings(TestBroker broker, String name) {
        Map<String, String> settings = new HashMap<>();
        settings.put(RegistryConfig.LISTENERS, "http://127.0.0.1:0");
        settings.put(RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap());
        settings.put(RegistryConfig.TOPIC, "_schemas_" + name);
        settings.put(RegistryConfig.GROUP_ID, "registry-" + name);
        settings.put(RegistryConfig.TOPIC_REPLICATION_FACTOR, "1");
        return settings;
    }

    /** Starts one instance and waits until it leads (it is alone in its group). */
    public static RegistryServer startLeader(TestBroker broker, String name, Map<String, String> extra) {
        Map<String, String> settings = settings(broker, name);
        settings.putAll(extra);
        RegistryServer server = RegistryServer.start(RegistryConfig.of(settings));
        await().atMost(java.time.Duration.ofSeconds(30)).until(server::isLeader);
        return server;
    }
}
