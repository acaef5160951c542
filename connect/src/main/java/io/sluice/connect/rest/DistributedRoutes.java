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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a distributed worker's REST API adds to {@link ConnectRestApi}: writes under {@code /connectors} run on the
 * group leader — a follower forwards them ({@link LeaderForwarder}) and hands back the leader's answer; while the
 * group rebalances (no leader known yet, the known one unreachable or no longer the leader), the write waits (up to
 * {@link DistributedHerder#LEADER_WAIT}) instead of failing. A task restart goes to the worker that runs the task.
 * {@code POST /connectors/<name>/tasks} is Kafka Connect's internal endpoint by which the worker running a connector
 * hands its task configs to the leader.
 */
public final class DistributedRoutes {
    private static final Logger log = LoggerFactory.getLogger(DistributedRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<HandlerType> WRITES = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.DELETE,
            HandlerType.PATCH);
    /** Kafka Connect's answer when no leader can take a write. */
    static final String REBALANCE_MESSAGE = "Cannot complete request because of a conflicting operation "
            + "(e.g. worker rebalance)";
    /** How long a write waiting for a rebalance pauses between attempts to reach the leader. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(250);

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
        long deadline = System.nanoTime() + DistributedHerder.LEADER_WAIT.toNanos();
        while (true) {
            if (herder.isLeader()) {
                return;
            }
            Optional<String> leader = herder.awaitLeaderUrl(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (herder.isLeader()) {
                return;
            }
            if (forwarded || leader.isEmpty()) {
                // Forwarded here by a worker that still takes this one for the leader: it retries once it knows better.
                error(ctx, 409, REBALANCE_MESSAGE);
                return;
            }
            String failure = tryForward(ctx, leader.get());
            if (failure == null) {
                return;
            }
            // The leader is unreachable (e.g. dead, not yet replaced) or no longer the leader: a rebalance is under
            // way. Wait for it (bounded) rather than answering 409 at once.
            if (System.nanoTime() + RETRY_PAUSE.toNanos() >= deadline) {
                error(ctx, 409, REBALANCE_MESSAGE + ": " + failure);
                return;
            }
            log.info("Write {} {} waits for the rebalance: {}", ctx.method(), ctx.path(), failure);
            Thread.sleep(RETRY_PAUSE.toMillis());
        }
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
        String failure = tryForward(ctx, target);
        if (failure != null) {
            error(ctx, 409, REBALANCE_MESSAGE + ": " + failure);
        }
    }

    /**
     * Forwards the request to {@code target} and answers with its answer; or, when {@code target} cannot be reached
     * or answered that a rebalance is under way, answers nothing and says why.
     */
    private String tryForward(Context ctx, String target) {
        String query = ctx.queryString();
        String path = ctx.path().replaceFirst("^/+", "") + (query == null ? "" : "?" + query);
        LeaderForwarder.Answer answer;
        try {
            answer = forwarder.forward(target, ctx.method().name(), path, ctx.body());
        } catch (LeaderForwarder.ForwardingException e) {
            log.warn("Forwarding {} {} to {} failed: {}", ctx.method(), ctx.path(), target, e.getMessage());
            return e.getMessage();
        }
        if (answer.status() == 409 && answer.body() != null && answer.body().contains(REBALANCE_MESSAGE)) {
            return target + " is not the leader any more";
        }
        ctx.status(answer.status()).contentType("application/json").result(answer.body() == null ? "" : answer.body());
        ctx.attribute("sluice.answered", true);
        ctx.skipRemainingHandlers();
        return null;
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error_code", status).put("message", message);
        ctx.status(status).contentType("application/json").result(body.toString());
        ctx.attribute("sluice.answered", true);
        ctx.skipRemainingHandlers();
    }
}
