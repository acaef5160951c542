package io.sluice.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.connect.errors.ConnectException;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * connection.attempts and connection.backoff.ms at task start, against a real H2 TCP server that is not yet
 * listening: one attempt fails naming the setting, enough attempts outlast the server's late start.
 */
class ConnectionAttemptsTest {

    @Test
    void oneAttemptFailsClearlyWhenNothingListens() throws Exception {
        int port = freePort();
        JdbcConnectionConfig config = new JdbcConnectionConfig(url(port), "sa", null, 1, 0);
        try (HikariDataSource pool = ConnectionPools.open(config, "attempts-one", 1)) {
            assertThatThrownBy(() -> ConnectionPools.firstConnection(pool, config))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("Cannot connect to jdbc:h2:tcp://127.0.0.1:" + port)
                    .hasMessageContaining("after 1 attempt(s) (connection.attempts)");
        }
    }

    @Test
    void laterAttemptsReachADatabaseThatStartsLate() throws Exception {
        int port = freePort();
        JdbcConnectionConfig config = new JdbcConnectionConfig(url(port), "sa", null, 4, 500);
        // Started after the first attempt (bounded by the pool's connection timeout) has given up.
        CompletableFuture<Server> late = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(ConnectionPools.CONNECTION_TIMEOUT_MS + 300);
                return Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists").start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (HikariDataSource pool = ConnectionPools.open(config, "attempts-late", 1);
             Connection connection = ConnectionPools.firstConnection(pool, config)) {
            assertThat(connection.isValid(5)).isTrue();
            assertThat(late).isDone();
        } finally {
            late.get(30, TimeUnit.SECONDS).stop();
        }
    }

    private static String url(int port) {
        return "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:attempts" + port;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
