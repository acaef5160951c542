package io.sluice.mirror.cli;

import io.sluice.connect.ConnectStandalone;
import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.mirror.config.MirrorMakerConfig.Flow;
import io.sluice.mirror.preserving.MirrorTopics;
import io.sluice.service.lifecycle.LifecycleService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * MirrorMaker 2's dedicated mode on Sluice's runtime: one standalone Connect worker per flow X->Y, connected to
 * the target Y, running the flow's connectors. READY once every worker runs; {@link #close} stops them in reverse.
 */
public final class MirrorMaker extends LifecycleService {
    private static final Logger log = LoggerFactory.getLogger(MirrorMaker.class);

    private final List<ConnectStandalone> workers = new ArrayList<>();
    private final List<Flow> flows;

    private MirrorMaker(List<Flow> flows) {
        super("mirror maker");
        this.flows = flows;
    }

    /** Starts the flows to {@code targets} (every cluster when empty). */
    public static MirrorMaker start(MirrorMakerConfig config, Set<String> targets) {
        MirrorMaker mirror = new MirrorMaker(config.flows(targets));
        mirror.startReady(() -> {
            for (Flow flow : mirror.flows) {
                requireSluiceTargetIfPreserving(config, flow);
            }
            for (Flow flow : mirror.flows) {
                mirror.workers.add(ConnectStandalone.start(config.workerSettings(flow), config.connectorConfigs(flow)));
                log.info("Flow {} running{}", flow, flow.enabled() ? "" : " (heartbeats only)");
            }
        });
        return mirror;
    }

    /** Offset-preserving mirror topics need a Sluice target: said before anything starts, not in a connector's log. */
    private static void requireSluiceTargetIfPreserving(MirrorMakerConfig config, Flow flow) {
        MirrorConnectorConfig connector = new MirrorConnectorConfig(config.connectorBase(flow));
        if (!flow.enabled() || !connector.getBoolean(MirrorConnectorConfig.OFFSET_PRESERVING)) {
            return;
        }
        try (Admin target = Admin.create(connector.targetAdmin())) {
            MirrorTopics.requireSluiceTarget(target, connector.sourceBootstrapServers());
        } catch (MirrorTopics.NotASluiceTargetException e) {
            throw new ConfigException(flow + "." + MirrorConnectorConfig.OFFSET_PRESERVING + " = true: " + e.getMessage());
        }
    }

    public List<Flow> flows() {
        return flows;
    }

    /** Stops the workers in reverse start order. */
    @Override
    protected void closeParts() {
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
