package io.sluice.examples.pipeline;

import io.sluice.testkit.PostgresServer;
import org.junit.jupiter.api.Assumptions;

/** The pipeline on a throw-away PostgreSQL cluster; skipped, loudly, where none can be started. */
class PostgresPipelineIT extends PipelineBehaviour {
    @Override
    PipelineDatabase database() throws Exception {
        String reason = PostgresServer.unavailableReason();
        if (reason != null) {
            System.err.println("!!! SKIPPED: the PostgreSQL pipeline test cannot run on this machine: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        PostgresServer postgres = PostgresServer.start();
        String url = postgres.createDatabase("shop");
        return new PipelineDatabase() {
            @Override
            String url() {
                return url;
            }

            @Override
            String user() {
                return PostgresServer.USER;
            }

            @Override
            public void close() {
                postgres.close();
            }
        };
    }
}
