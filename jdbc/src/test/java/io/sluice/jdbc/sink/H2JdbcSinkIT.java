package io.sluice.jdbc.sink;

import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC sink's behaviour on H2 (an in-memory database per test, in this JVM). */
class H2JdbcSinkIT extends JdbcSinkBehaviour {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    Db newDatabase() {
        return new Db("jdbc:h2:mem:sink" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1", null);
    }

    @Override
    String bool(boolean value) {
        return value ? "TRUE" : "FALSE";
    }
}
