package io.sluice.connect.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.sluice.connect.herder.DistributedHerder;
import io.sluice.connect.herder.HerderException;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.runtime.rest.LeaderForwarder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a distributed worker's REST API adds to {@link ConnectRestApi}: writes under {@code /connectors} run on the
 * group leader — a follower forwards them ({@link LeaderForwarder}) and hands back the leader's answer; while the
 * group rebalances and no leader is known, the write waits (up to {@link DistributedHerder#LEADER_WAIT}) instead of
 * failing. A task restart goes to the worker that runs the task. {@code POST /connectors/<name>/tasks} is Kafka
 * Connect's internal endpoint by which the worker running a connector hands its task configs to the leader.
 */
public final class DistributedRoutes {
    private static final Logger log = LoggerFactory.getLogger(DistributedRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<HandlerType> WRITES = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.DELETE,
            HandlerType.PATCH);
    /** Kafka Connect's answer when no leader can take a write. */
    static final String REBALANCE_MESSAGE = "Cannot complete request because of a conflicting operation "
            + "(e.g. worker rebalance)";

    private final DistributedHerder herder;
    private final LeaderForwarder forwarder;

    public DistributedRoutes(DistributedHerder herder, LeaderForwarder forwarder) {
        this.herder = herder;
        this.forwarder = forwarder;
    }

    /** Register before {@link ConnectRestApi#routes}, so that forwarding runs ahead of the local handlers. */
    public void routes(Javalin app) {
        app.before("/connectors", this::route);
        app.before("/connectors/*", this::route);
        app.post("/connectors/{c}/tasks", ctx -> {
            List<Map<String, String>> configs;
            try {
                configs = JSON.readValue(ctx.body(), new TypeReference<>() {
                });
            } catch (IOException e) {
                throw HerderException.badRequest("Cannot parse the task configs: " + e.getMessage());
            }
            herder.putTaskConfigs(ctx.pathParam("c"), configs);
            ctx.status(204).result("");
        });
    }

    private void route(Context ctx) throws InterruptedException {
        if (!WRITES.contains(ctx.method())) {
            return;
        }
        boolean forwarded = ctx.header(LeaderForwarder.FORWARDED_HEADER) != null;
        String[] parts = ctx.path().replaceAll("^/+|/+$", "").split("/");
        if (parts.length == 5 && parts[2].equals("tasks") && parts[4].equals("restart")) {
            routeTaskRestart(ctx, parts, forwarded);
            return;
        }
        if (herder.isLeader()) {
            return;
        }
        Optional<String> leader = herder.awaitLeaderUrl(DistributedHerder.LEADER_WAIT);
        if (herder.isLeader()) {
            return;
        }
        if (forwarded || leader.isEmpty()) {
            error(ctx, 409, REBALANCE_MESSAGE);
            return;
        }
        forward(ctx, leader.get());
    }

    private void routeTaskRestart(Context ctx, String[] parts, boolean forwarded) {
        ConnectorTaskId id;
        try {
            id = new ConnectorTaskId(parts[1], Integer.parseInt(parts[3]));
        } catch (NumberFormatException e) {
            return;
        }
        if (forwarded || herder.runsTask(id)) {
            return;
        }
        String owner = herder.taskOwnerUrl(id);
        if (owner != null && !owner.equals(herder.url())) {
            forward(ctx, owner);
        }
    }

    private void forward(Context ctx, String target) {
        String query = ctx.queryString();
        String path = ctx.path().replaceFirst("^/+", "") + (query == null ? "" : "?" + query);
        try {
            LeaderForwarder.Answer answer = forwarder.forward(target, ctx.method().name(), path, ctx.body());
            ctx.status(answer.status()).contentType("application/json").result(answer.body() == null ? "" : answer.body());
        } catch (LeaderForwarder.ForwardingException e) {
            log.warn("Forwarding {} {} to {} failed: {}", ctx.method(), ctx.path(), target, e.getMessage());
            error(ctx, 409, REBALANCE_MESSAGE + ": " + e.getMessage());
        }
        ctx.attribute("sluice.answered", true);
        ctx.skipRemainingHandlers();
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error_code", status).put("message", message);
        ctx.status(status).contentType("application/json").result(body.toString());
        ctx.attribute("sluice.answered", true);
        ctx.skipRemainingHandlers();
    }
}
