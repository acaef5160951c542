package io.sluice.jdbc.sink;

import io.sluice.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC sink's behaviour on a throw-away PostgreSQL cluster; skipped, loudly, where none can be started. */
class PostgresJdbcSinkIT extends JdbcSinkBehaviour {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: PostgreSQL JDBC sink tests cannot run on this machine: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    Db newDatabase() throws Exception {
        return new Db(postgres.createDatabase("sink" + DATABASES.incrementAndGet()), PostgresServer.USER);
    }

    @Override
    String bool(boolean value) {
        return value ? "t" : "f";
    }
}
