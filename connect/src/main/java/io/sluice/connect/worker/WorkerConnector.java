package io.sluice.connect.worker;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkConnectorContext;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceConnectorContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * One connector instance: started with its config, asked for task configs, stopped. A connector that throws
 * from {@code start} or calls {@code raiseError} is FAILED with the trace; its tasks are not started.
 */
final class WorkerConnector {
    private static final Logger log = LoggerFactory.getLogger(WorkerConnector.class);

    private final String name;
    private final Connector connector;
    private final Map<String, String> config;
    private final Status status;
    private final PluginMetrics metrics;
    private boolean started;

    WorkerConnector(String name, Connector connector, Map<String, String> config, Status status, PluginMetrics metrics) {
        this.name = name;
        this.connector = connector;
        this.config = config;
        this.status = status;
        this.metrics = metrics;
    }

    /** Starts the connector; returns whether it runs (else it is FAILED). */
    boolean start(TargetState target, Runnable onReconfigure, OffsetStorageReader offsets) {
        ClassLoader saved = swapLoader();
        try {
            connector.initialize(context(onReconfigure, offsets));
            connector.start(config);
            started = true;
            status.moveTo(target.reported());
            log.info("Connector {} started ({})", name, connector.getClass().getName());
            return true;
        } catch (Throwable e) {
            log.error("Connector {} failed to start", name, e);
            status.fail(e);
            return false;
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    private ConnectorContext context(Runnable onReconfigure, OffsetStorageReader offsets) {
        ConnectorContext base = new ConnectorContext() {
            @Override
            public void requestTaskReconfiguration() {
                onReconfigure.run();
            }

            @Override
            public void raiseError(Exception e) {
                log.error("Connector {} raised an error", name, e);
                status.fail(e);
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }
        };
        if (connector instanceof SinkConnector) {
            return new SinkConnectorContext() {
                @Override
                public void requestTaskReconfiguration() {
                    base.requestTaskReconfiguration();
                }

                @Override
                public void raiseError(Exception e) {
                    base.raiseError(e);
                }

                @Override
                public PluginMetrics pluginMetrics() {
                    return metrics;
                }
            };
        }
        return new SourceConnectorContext() {
            @Override
            public OffsetStorageReader offsetStorageReader() {
                return offsets;
            }

            @Override
            public void requestTaskReconfiguration() {
                base.requestTaskReconfiguration();
            }

            @Override
            public void raiseError(Exception e) {
                base.raiseError(e);
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }
        };
    }

    boolean isRunning() {
        return started && status.state() != State.FAILED;
    }

    boolean isSink() {
        return connector instanceof SinkConnector;
    }

    boolean isSource() {
        return connector instanceof SourceConnector;
    }

    Class<?> taskClass() {
        return connector.taskClass();
    }

    List<Map<String, String>> taskConfigs(int maxTasks) {
        ClassLoader saved = swapLoader();
        try {
            return connector.taskConfigs(maxTasks);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    void transitionTo(TargetState target) {
        if (status.state() != State.FAILED) {
            status.moveTo(target.reported());
        }
    }

    void stop() {
        ClassLoader saved = swapLoader();
        try {
            if (started) {
                connector.stop();
            }
        } catch (Throwable e) {
            log.warn("Connector {} threw from stop()", name, e);
        } finally {
            started = false;
            Thread.currentThread().setContextClassLoader(saved);
            Utils.closeQuietly(metrics instanceof AutoCloseable c ? c : null, "plugin metrics");
        }
    }

    private ClassLoader swapLoader() {
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(connector.getClass().getClassLoader());
        return saved;
    }
}
