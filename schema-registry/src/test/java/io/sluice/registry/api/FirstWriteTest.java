package io.sluice.registry.api;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import io.sluice.service.lifecycle.ServiceState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script that starts the registry and registers a schema the moment the port opens must succeed: the write
 * waits for the leader election instead of answering 50004 "Leader not known".
 */
class FirstWriteTest {

    @Test
    void aWriteSentTheMomentThePortOpensSucceeds() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Map<String, String> settings = Registries.settings(broker, "first-write");
            settings.put(RegistryConfig.LISTENERS, "http://127.0.0.1:" + port);
            CompletableFuture<RegistryServer> starting = CompletableFuture.supplyAsync(
                    () -> RegistryServer.start(RegistryConfig.of(settings)));
            awaitPortOpen(port, starting);
            // No pause between the port opening and the write.
            Http.Answer answer = new Http("http://127.0.0.1:" + port)
                    .postSchema("/subjects/first-value/versions", "\"string\"");
            try (RegistryServer registry = starting.get(60, TimeUnit.SECONDS)) {
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                assertThat(answer.json().get("id").asInt()).isPositive();
                assertThat(registry.isLeader()).isTrue();
                assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
                assertThat(registry.state()).isEqualTo(ServiceState.READY);
            }
        }
    }

    /** Poll-connects in a tight loop until the port accepts. */
    private static void awaitPortOpen(int port, CompletableFuture<?> starting) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (starting.isCompletedExceptionally()) {
                starting.get();
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("port " + port + " never opened");
    }
}
