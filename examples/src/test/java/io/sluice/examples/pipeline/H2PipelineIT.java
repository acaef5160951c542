package io.sluice.examples.pipeline;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The pipeline on an H2 file database that this test process serves to the child JVMs (AUTO_SERVER). */
class H2PipelineIT extends PipelineBehaviour {
    @Override
    PipelineDatabase database() throws SQLException {
        String url = "jdbc:h2:file:" + dir.resolve("shop") + ";AUTO_SERVER=TRUE";
        // Held open for the whole test: this process is then the one serving the file to the others.
        Connection keeper = DriverManager.getConnection(url);
        return new PipelineDatabase() {
            @Override
            String url() {
                return url;
            }

            @Override
            String user() {
                return null;
            }

            @Override
            public void close() throws SQLException {
                keeper.close();
            }
        };
    }
}
