package io.sluice.jdbc.sink;

import io.sluice.testkit.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;

/** The exactly-once crash test against a throw-away PostgreSQL cluster; skipped, loudly, where none can start. */
class PostgresExactlyOnceCrashIT extends ExactlyOnceCrashBehaviour {
    private PostgresServer postgres;

    @Override
    Db database() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: PostgreSQL exactly-once crash test cannot run on this machine: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        postgres = PostgresServer.start();
        return new Db(postgres.createDatabase("crash"), PostgresServer.USER);
    }

    @AfterEach
    void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }
}
