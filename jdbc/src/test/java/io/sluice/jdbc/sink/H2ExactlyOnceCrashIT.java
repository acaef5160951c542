package io.sluice.jdbc.sink;

import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;

/** The exactly-once crash test against an H2 TCP server in this JVM (the sink, in the child, is what dies). */
class H2ExactlyOnceCrashIT extends ExactlyOnceCrashBehaviour {
    private Server server;

    @Override
    Db database() throws Exception {
        server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", dir.resolve("h2").toString())
                .start();
        return new Db("jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/crash", null);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }
}
