package io.sluice.mirror.cli;

import io.sluice.connect.ConnectStandalone;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.mirror.config.MirrorMakerConfig.Flow;
import io.sluice.service.lifecycle.Lifecycle;
import io.sluice.service.lifecycle.Service;
import io.sluice.service.lifecycle.ServiceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * MirrorMaker 2's dedicated mode on Sluice's runtime: one standalone Connect worker per flow X->Y, connected to
 * the target Y, running the flow's connectors. READY once every worker runs; {@link #close} stops them in reverse.
 */
public final class MirrorMaker implements Service {
    private static final Logger log = LoggerFactory.getLogger(MirrorMaker.class);

    private final Lifecycle lifecycle = new Lifecycle("mirror maker");
    private final List<ConnectStandalone> workers = new ArrayList<>();
    private final List<Flow> flows;

    private MirrorMaker(List<Flow> flows) {
        this.flows = flows;
    }

    /** Starts the flows to {@code targets} (every cluster when empty). */
    public static MirrorMaker start(MirrorMakerConfig config, Set<String> targets) {
        MirrorMaker mirror = new MirrorMaker(config.flows(targets));
        mirror.lifecycle.moveTo(ServiceState.STARTING);
        try {
            for (Flow flow : mirror.flows) {
                mirror.workers.add(ConnectStandalone.start(config.workerSettings(flow), config.connectorConfigs(flow)));
                log.info("Flow {} running{}", flow, flow.enabled() ? "" : " (heartbeats only)");
            }
        } catch (RuntimeException e) {
            mirror.lifecycle.fail(e);
            mirror.stopWorkers();
            throw e;
        }
        mirror.lifecycle.moveTo(ServiceState.READY);
        return mirror;
    }

    public List<Flow> flows() {
        return flows;
    }

    @Override
    public ServiceState state() {
        return lifecycle.state();
    }

    @Override
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return lifecycle.awaitReady(timeout);
    }

    @Override
    public void close() {
        if (!lifecycle.tryMoveTo(ServiceState.STOPPING)) {
            return;
        }
        stopWorkers();
        lifecycle.moveTo(ServiceState.STOPPED);
    }

    private void stopWorkers() {
        for (int i = workers.size() - 1; i >= 0; i--) {
            try {
                workers.get(i).close();
            } catch (RuntimeException e) {
                log.warn("Stopping a mirror worker failed", e);
            }
        }
        workers.clear();
    }
}
