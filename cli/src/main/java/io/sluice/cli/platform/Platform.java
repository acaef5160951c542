package io.sluice.cli.platform;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.registry.RegistryConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A broker, a schema registry and a Kafka Connect worker in one process: started in that order (the registry and
 * the worker bootstrap from the broker's actual listener), ready once each answers its clients, stopped in reverse
 * order.
 */
final class Platform implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Platform.class);

    enum State { STARTING, READY, STOPPING, STOPPED }

    private final List<Part> parts = new ArrayList<>();
    private volatile State state = State.STARTING;

    private Platform() {
    }

    /**
     * Starts every part; on a failure stops those already started and rethrows.
     *
     * @param registrySettings the registry's settings; its {@code kafkastore.bootstrap.servers} is the broker's
     * @param connectSettings  the Connect worker's settings, without the platform's defaults (see {@link ConnectPart})
     */
    static Platform start(BrokerConfig brokerConfig, Map<String, String> registrySettings,
                          Map<String, String> connectSettings) {
        Platform platform = new Platform();
        try {
            BrokerPart broker = BrokerPart.start(brokerConfig);
            platform.parts.add(broker);
            String configured = registrySettings.get(RegistryConfig.BOOTSTRAP_SERVERS);
            if (configured != null && !configured.equals(broker.bootstrapServers())) {
                log.info("Schema registry: {}={} replaced by the platform's broker {}", RegistryConfig.BOOTSTRAP_SERVERS,
                        configured, broker.bootstrapServers());
            }
            registrySettings.put(RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            RegistryPart registry = RegistryPart.start(RegistryConfig.of(registrySettings));
            platform.parts.add(registry);
            Map<String, String> worker = ConnectPart.withDefaults(connectSettings, brokerConfig.logDirs().get(0),
                    registry.address());
            platform.parts.add(ConnectPart.start(worker, broker.bootstrapServers()));
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
        return platform;
    }

    /** Waits until every part answers; false if one still does not at the deadline. */
    boolean awaitReady(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (Part part : parts) {
            while (!part.answers()) {
                if (System.currentTimeMillis() > deadline) {
                    log.error("The {} at {} does not answer after {} ms", part.name(), part.address(), timeoutMs);
                    return false;
                }
                Thread.sleep(100);
            }
        }
        state = State.READY;
        return true;
    }

    List<Part> parts() {
        return List.copyOf(parts);
    }

    /** The address of the part of type {@code type} (the broker's bootstrap servers, the others' URLs). */
    String address(Class<? extends Part> type) {
        return parts.stream().filter(type::isInstance).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type.getSimpleName() + " started"))
                .address();
    }

    State state() {
        return state;
    }

    /** Stops the parts in reverse order: clients of the broker (worker, registry) before the broker. */
    @Override
    public synchronized void close() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPING;
        for (int i = parts.size() - 1; i >= 0; i--) {
            Part part = parts.get(i);
            try {
                part.close();
            } catch (RuntimeException e) {
                log.warn("Stopping the {} failed", part.name(), e);
            }
        }
        state = State.STOPPED;
        log.info("Sluice platform stopped");
    }
}
