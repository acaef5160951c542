package io.sluice.jdbc.source;

import io.sluice.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC source scenarios on a throw-away PostgreSQL cluster; skipped, loudly, where none can start. */
class PostgresJdbcSourceIT extends JdbcSourceContract {
    private static final AtomicInteger DB = new AtomicInteger();
    private static PostgresServer postgres;

    @BeforeAll
    static void start() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: PostgreSQL JDBC source tests cannot run on this machine: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        postgres = PostgresServer.start();
        startWorker();
    }

    @AfterAll
    static void stopPostgres() {
        stopWorker();
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    String newDatabase() throws Exception {
        return postgres.createDatabase("source" + DB.incrementAndGet());
    }

    @Override
    String user() {
        return PostgresServer.USER;
    }

    @Override
    String id(String name) {
        return name;
    }
}
