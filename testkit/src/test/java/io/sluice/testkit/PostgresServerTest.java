package io.sluice.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresServerTest {
    @Test
    void startsAcceptsConnectionsAndRemovesItsDirectory() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: PostgreSQL tests cannot run on this machine: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        Path dir;
        try (PostgresServer server = PostgresServer.start()) {
            assertThat(server.port()).isPositive();
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                assertThat(socket.isConnected()).isTrue();
            }
            String url = server.createDatabase("sluice_test");
            assertThat(url).endsWith("/sluice_test");
            assertThat(server.log()).contains("ready to accept connections");
            dir = server.directory();
            assertThat(dir).isDirectory();
        }
        assertThat(Files.exists(dir)).as("cluster directory removed on close").isFalse();
    }
}
