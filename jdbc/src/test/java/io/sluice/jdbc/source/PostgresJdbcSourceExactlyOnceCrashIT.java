package io.sluice.jdbc.source;

import io.sluice.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** {@link JdbcSourceExactlyOnceCrashIT} on a throw-away PostgreSQL cluster; skipped, loudly, where none can start. */
class PostgresJdbcSourceExactlyOnceCrashIT extends JdbcSourceExactlyOnceCrashIT {
    private static PostgresServer postgres;
    private static String url;

    @BeforeAll
    static void startPostgres() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: PostgreSQL exactly-once JDBC source test cannot run here: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        postgres = PostgresServer.start();
        url = postgres.createDatabase("eos");
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    String url() {
        return url;
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
