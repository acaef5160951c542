package io.sluice.registry.api;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Several registry instances on one store topic: one leader, writes forwarded to it, failover, no id reused. */
class ClusterTest {

    private static String schema(String name) {
        return "{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[{\"name\":\"v\",\"type\":\"string\"}]}";
    }

    private static RegistryServer startFollower(TestBroker broker, String name, String leaderUrl, Map<String, String> extra) {
        Map<String, String> settings = Registries.settings(broker, name);
        settings.putAll(extra);
        RegistryServer follower = RegistryServer.start(RegistryConfig.of(settings));
        await().atMost(Duration.ofSeconds(30)).until(() -> leaderUrl.equals(follower.leaderUrl()));
        return follower;
    }

    @Test
    void followersForwardWritesAndTheLeadersLossElectsAnother() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            RegistryServer a = Registries.startLeader(broker, "cluster", Map.of());
            RegistryServer b = startFollower(broker, "cluster", a.url(), Map.of());
            RegistryServer c = null;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> a.isLeader() && a.url().equals(a.leaderUrl()));
                assertThat(b.isLeader()).isFalse();
                Http httpA = new Http(a.url());
                Http httpB = new Http(b.url());

                // A write sent to the follower lands, and both instances serve it at once.
                int first = httpB.register("orders", schema("Order"));
                assertThat(httpB.get("/subjects/orders/versions/1").json().get("id").asInt()).isEqualTo(first);
                assertThat(httpA.get("/subjects/orders/versions/1").json().get("id").asInt()).isEqualTo(first);
                assertThat(httpB.put("/config/orders", "{\"compatibility\":\"NONE\"}").status()).isEqualTo(200);
                assertThat(httpA.get("/config/orders").json().get("compatibilityLevel").asText()).isEqualTo("NONE");
                assertThat(httpB.delete("/subjects/orders/versions/1").status()).isEqualTo(200);
                assertThat(httpA.get("/subjects/orders/versions").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);

                // Concurrent registrations of one schema through both instances give one id and one version.
                List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    Http target = i % 2 == 0 ? httpA : httpB;
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        ids.add(target.register("shared", schema("Shared")));
                    });
                    threads.add(t);
                    t.start();
                }
                go.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                assertThat(ids).hasSize(10);
                assertThat(new HashSet<>(ids)).hasSize(1);
                assertThat(httpA.get("/subjects/shared/versions").body()).isEqualTo("[1]");

                Set<Integer> given = new HashSet<>(ids);
                given.add(first);
                for (int i = 0; i < 3; i++) {
                    given.add(httpB.register("more-" + i, schema("More" + i)));
                }
                int highest = Collections.max(given);

                // The leader goes away: B takes over and keeps counting from where A stopped.
                a.close();
                await().atMost(Duration.ofSeconds(30)).until(b::isLeader);
                int afterFailover = httpB.register("after", schema("After"));
                assertThat(afterFailover).isGreaterThan(highest);
                assertThat(httpB.get("/subjects/shared/versions/1").json().get("id").asInt()).isEqualTo(ids.get(0));

                // A new instance follows B, and writes through it continue the sequence.
                c = startFollower(broker, "cluster", b.url(), Map.of());
                int throughC = new Http(c.url()).register("after", schema("After").replace("\"v\"", "\"v\",\"default\":\"\""));
                assertThat(throughC).isGreaterThan(afterFailover);
                assertThat(c.isLeader()).isFalse();
            } finally {
                if (c != null) {
                    c.close();
                }
                b.close();
                a.close();
            }
        }
    }

    @Test
    void anIneligibleInstanceNeverLeads() {
        try (TestBroker broker = TestBroker.start()) {
            Map<String, String> settings = Registries.settings(broker, "ineligible");
            settings.put(RegistryConfig.LEADER_ELIGIBILITY, "false");
            try (RegistryServer only = RegistryServer.start(RegistryConfig.of(settings))) {
                Http http = new Http(only.url());
                await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
                assertThat(only.isLeader()).isFalse();
                Http.Answer refused = http.postSchema("/subjects/x/versions", schema("X"));
                assertThat(refused.status()).isEqualTo(500);
                assertThat(refused.errorCode()).isEqualTo(ErrorCode.UNKNOWN_LEADER);
                try (RegistryServer eligible = Registries.startLeader(broker, "ineligible", Map.of())) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> eligible.url().equals(only.leaderUrl()));
                    assertThat(http.register("x", schema("X"))).isPositive();
                }
            }
        }
    }
}
