package io.sluice.connect.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.sluice.connect.herder.ConnectorOffsets;
import io.sluice.connect.herder.ConnectorValidator;
import io.sluice.connect.herder.HerderException;
import io.sluice.connect.herder.Herder;
import io.sluice.connect.plugins.PluginDesc;
import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.TargetState;
import io.sluice.connect.worker.WorkerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Kafka Connect's REST API (4.x) over Javalin: the same paths, bodies and status codes, errors as
 * {@code {"error_code": <http status>, "message": ...}}. Everything it does is the herder's; this class only
 * translates.
 */
public final class ConnectRestApi {
    private static final Logger log = LoggerFactory.getLogger(ConnectRestApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWERED = "sluice.answered";
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final Herder herder;
    private final Plugins plugins;
    private final String clusterId;

    public ConnectRestApi(Herder herder, Plugins plugins, String clusterId) {
        this.herder = herder;
        this.plugins = plugins;
        this.clusterId = clusterId;
    }

    /** The server settings the API's answers depend on; every worker's Javalin should get them. */
    public static void configure(io.javalin.config.JavalinConfig config) {
        config.http.prefer405over404 = true; // Kafka Connect answers a known path with the wrong method 405
    }

    public void routes(Javalin app) {
        app.get("/", ctx -> {
            ObjectNode info = JSON.createObjectNode();
            info.put("version", WorkerInfo.VERSION).put("commit", WorkerInfo.COMMIT).put("kafka_cluster_id", clusterId);
            json(ctx, 200, info);
        });
        app.get("/connectors", this::listConnectors);
        app.post("/connectors", this::createConnector);
        app.get("/connectors/{c}", ctx -> json(ctx, 200, herder.connectorInfo(ctx.pathParam("c"))));
        app.delete("/connectors/{c}", ctx -> {
            herder.deleteConnector(ctx.pathParam("c"));
            empty(ctx, 204);
        });
        app.get("/connectors/{c}/config", ctx -> json(ctx, 200, herder.connectorConfig(ctx.pathParam("c"))));
        app.put("/connectors/{c}/config", ctx -> {
            Map<String, String> config = body(ctx, STRING_MAP);
            Herder.Created result = herder.putConnectorConfig(ctx.pathParam("c"), config, true,
                    TargetState.STARTED);
            if (result.created()) {
                ctx.header("Location", "/connectors/" + result.info().name());
            }
            json(ctx, result.created() ? 201 : 200, result.info());
        });
        app.get("/connectors/{c}/status", ctx -> json(ctx, 200, herder.status(ctx.pathParam("c"))));
        app.get("/connectors/{c}/tasks", ctx -> json(ctx, 200, herder.tasks(ctx.pathParam("c"))));
        app.get("/connectors/{c}/tasks/{t}/status", ctx -> json(ctx, 200, herder.taskStatus(taskId(ctx))));
        app.post("/connectors/{c}/tasks/{t}/restart", ctx -> {
            herder.restartTask(taskId(ctx));
            empty(ctx, 204);
        });
        app.put("/connectors/{c}/pause", ctx -> {
            herder.pause(ctx.pathParam("c"));
            empty(ctx, 202);
        });
        app.put("/connectors/{c}/stop", ctx -> {
            herder.stop(ctx.pathParam("c"));
            empty(ctx, 204);
        });
        app.put("/connectors/{c}/resume", ctx -> {
            herder.resume(ctx.pathParam("c"));
            empty(ctx, 202);
        });
        app.post("/connectors/{c}/restart", ctx -> {
            boolean includeTasks = flag(ctx, "includeTasks");
            boolean onlyFailed = flag(ctx, "onlyFailed");
            var status = herder.restart(ctx.pathParam("c"), includeTasks, onlyFailed);
            // Kafka Connect: the plain form (neither flag) answers 204; the KIP-745 form returns the plan.
            if (!includeTasks && !onlyFailed) {
                empty(ctx, 204);
            } else {
                json(ctx, 202, status);
            }
        });
        app.get("/connectors/{c}/offsets", ctx -> json(ctx, 200, herder.connectorOffsets(ctx.pathParam("c"))));
        app.patch("/connectors/{c}/offsets", ctx -> json(ctx, 200, herder.alterConnectorOffsets(ctx.pathParam("c"),
                body(ctx, new TypeReference<ConnectorOffsets.Offsets>() {
                }))));
        app.delete("/connectors/{c}/offsets", ctx -> json(ctx, 200,
                herder.resetConnectorOffsets(ctx.pathParam("c"))));
        app.get("/connector-plugins", this::listPlugins);
        app.get("/connector-plugins/{p}/config", ctx -> json(ctx, 200,
                herder.validator().pluginConfig(ctx.pathParam("p"))));
        app.put("/connector-plugins/{p}/config/validate", this::validate);
        app.get("/health", ctx -> {
            ObjectNode health = JSON.createObjectNode();
            health.put("status", "healthy").put("message", "Worker has completed startup and is ready to handle requests.");
            json(ctx, 200, health);
        });

        new ConnectorExtrasRoutes(herder).routes(app);

        app.exception(HerderException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        app.exception(BadBody.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        // Kafka Connect has no mapper for a parse error: malformed JSON answers 500 with the parser's message.
        app.exception(MalformedBody.class, (e, ctx) -> error(ctx, 500, e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("Uncaught exception in REST call to {}", ctx.path(), e);
            error(ctx, 500, e.getMessage() == null ? e.toString() : e.getMessage());
        });
        app.error(404, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                error(ctx, 404, "HTTP 404 Not Found");
            }
        });
        app.error(405, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                error(ctx, 405, "HTTP 405 Method Not Allowed");
            }
        });
    }

    private void listConnectors(Context ctx) {
        List<String> expand = ctx.queryParams("expand");
        List<String> names = herder.connectors();
        if (expand.isEmpty()) {
            json(ctx, 200, names);
            return;
        }
        Map<String, Map<String, Object>> expanded = new LinkedHashMap<>();
        for (String name : names) {
            Map<String, Object> parts = new LinkedHashMap<>();
            try {
                if (expand.contains("status")) {
                    parts.put("status", herder.status(name));
                }
                if (expand.contains("info")) {
                    parts.put("info", herder.connectorInfo(name));
                }
            } catch (HerderException e) {
                continue; // deleted while listing
            }
            expanded.put(name, parts);
        }
        json(ctx, 200, expanded);
    }

    private void createConnector(Context ctx) {
        JsonNode request = body(ctx, new TypeReference<JsonNode>() {
        });
        if (request == null || !request.isObject()) {
            throw new BadBody("Request body must be a JSON object with name and config");
        }
        JsonNode nameNode = request.get("name");
        String name = nameNode == null || nameNode.isNull() ? null : nameNode.asText().trim();
        Map<String, String> config = request.hasNonNull("config")
                ? JSON.convertValue(request.get("config"), STRING_MAP) : new LinkedHashMap<>();
        if (name == null) {
            name = config.get(ConnectorConfig.NAME);
        }
        if (name == null || name.isEmpty()) {
            throw new BadBody("Connector name must not be empty");
        }
        if (name.contains("/")) {
            throw HerderException.badRequest("connector name should not contain '/'");
        }
        TargetState initial = TargetState.STARTED;
        if (request.hasNonNull("initial_state")) {
            String state = request.get("initial_state").asText().toUpperCase(Locale.ROOT);
            switch (state) {
                case "RUNNING" -> initial = TargetState.STARTED;
                case "PAUSED" -> initial = TargetState.PAUSED;
                case "STOPPED" -> initial = TargetState.STOPPED;
                default -> throw HerderException.badRequest("Invalid initial state " + state
                        + ": expected RUNNING, PAUSED or STOPPED");
            }
        }
        Herder.Created result = herder.putConnectorConfig(name, config, false, initial);
        ctx.header("Location", "/connectors/" + name);
        json(ctx, 201, result.info());
    }

    private void listPlugins(Context ctx) {
        String connectorsOnly = ctx.queryParam("connectorsOnly");
        Set<PluginType> types = connectorsOnly == null || Boolean.parseBoolean(connectorsOnly)
                ? EnumSet.of(PluginType.SOURCE, PluginType.SINK) : EnumSet.allOf(PluginType.class);
        List<Map<String, String>> answer = plugins.plugins(types).stream().map(ConnectRestApi::pluginInfo).toList();
        json(ctx, 200, answer);
    }

    private static Map<String, String> pluginInfo(PluginDesc plugin) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("class", plugin.className());
        info.put("type", plugin.type().restName());
        info.put("version", plugin.version());
        return info;
    }

    private void validate(Context ctx) {
        String pluginName = ctx.pathParam("p");
        Map<String, String> config = new LinkedHashMap<>(body(ctx, STRING_MAP));
        String included = config.get(ConnectorConfig.CONNECTOR_CLASS);
        if (included != null && !normalized(included).endsWith(normalized(pluginName))) {
            throw HerderException.badRequest("Included connector type " + included + " does not match request type "
                    + pluginName);
        }
        config.put(ConnectorConfig.CONNECTOR_CLASS, pluginName);
        ConnectorValidator validator = herder.validator();
        json(ctx, 200, validator.validate(config));
    }

    /** Kafka Connect compares plugin names without a trailing "Connector". */
    private static String normalized(String name) {
        return name.endsWith("Connector") ? name.substring(0, name.length() - "Connector".length()) : name;
    }

    private static ConnectorTaskId taskId(Context ctx) {
        try {
            return new ConnectorTaskId(ctx.pathParam("c"), Integer.parseInt(ctx.pathParam("t")));
        } catch (NumberFormatException e) {
            throw HerderException.notFound("Task " + ctx.pathParam("c") + "-" + ctx.pathParam("t") + " not found");
        }
    }

    private static boolean flag(Context ctx, String name) {
        return Boolean.parseBoolean(ctx.queryParam(name));
    }

    static <T> T body(Context ctx, TypeReference<T> type) {
        String body = ctx.body();
        if (body.isBlank()) {
            throw new BadBody("Request body is empty");
        }
        try {
            return JSON.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new MalformedBody(e.getOriginalMessage());
        }
    }

    static void json(Context ctx, int status, Object body) {
        try {
            ctx.attribute(ANSWERED, true);
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write a response body", e);
        }
    }

    static void empty(Context ctx, int status) {
        ctx.attribute(ANSWERED, true);
        ctx.status(status).result("");
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error_code", status).put("message", message);
        json(ctx, status, body);
    }

    /** A request body that is not JSON: 500, as Kafka Connect answers it. */
    private static final class MalformedBody extends RuntimeException {
        MalformedBody(String message) {
            super(message);
        }
    }

    /** A request body this API cannot use: 400. */
    private static final class BadBody extends RuntimeException {
        BadBody(String message) {
            super(message);
        }
    }
}
