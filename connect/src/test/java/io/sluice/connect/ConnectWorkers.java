package io.sluice.connect;

import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The set-up the standalone-worker ITs share, as a JUnit extension ({@code @RegisterExtension static}): one test
 * broker per test class, and every worker a test starts through it closed after that test, newest first.
 */
final class ConnectWorkers implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private TestBroker broker;
    private final List<ConnectStandalone> started = new ArrayList<>();

    TestBroker broker() {
        return broker;
    }

    /** A worker with {@link WorkerFixture#settings} plus {@code extra}, and its REST client. */
    WorkerFixture start(Path dir, Map<String, String> extra) {
        WorkerFixture worker = WorkerFixture.start(broker, dir, extra);
        started.add(worker.connect);
        return worker;
    }

    /** A worker with exactly {@code settings}, creating {@code connectorConfigs} at start. */
    ConnectStandalone start(Map<String, String> settings, List<Map<String, String>> connectorConfigs) {
        ConnectStandalone connect = ConnectStandalone.start(settings, connectorConfigs);
        started.add(connect);
        return connect;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = TestBroker.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
        }
    }
}
