package io.sluice.connect.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.sluice.connect.herder.Herder;
import io.sluice.connect.herder.HerderException;
import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.worker.WorkerConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The REST endpoints beyond Kafka Connect's first set: {@code PATCH /connectors/{c}/config} (KIP-477),
 * {@code GET /connectors/{c}/topics} and {@code PUT .../topics/reset} (KIP-558), {@code /admin/loggers}
 * (KIP-495/976), and Sluice's own {@code GET /connectors/{c}/metrics}.
 */
final class ConnectorExtrasRoutes {
    private static final TypeReference<Map<String, String>> NULLABLE_STRING_MAP = new TypeReference<>() {
    };

    private final Herder herder;
    private final LoggerLevels loggers = new LoggerLevels();

    ConnectorExtrasRoutes(Herder herder) {
        this.herder = herder;
    }

    void routes(Javalin app) {
        app.patch("/connectors/{c}/config", ctx -> {
            Map<String, String> patch = ConnectRestApi.body(ctx, NULLABLE_STRING_MAP);
            ConnectRestApi.json(ctx, 200, herder.patchConnectorConfig(ctx.pathParam("c"), patch));
        });
        app.get("/connectors/{c}/topics", this::topics);
        app.put("/connectors/{c}/topics/reset", this::resetTopics);
        app.get("/connectors/{c}/metrics", this::metrics);
        app.get("/admin/loggers", ctx -> ConnectRestApi.json(ctx, 200, loggers.all()));
        app.get("/admin/loggers/{logger}", ctx -> {
            String name = ctx.pathParam("logger");
            LoggerLevels.LoggerLevel level = loggers.level(name);
            if (level == null) {
                throw HerderException.notFound("Logger " + name + " not found.");
            }
            ConnectRestApi.json(ctx, 200, level);
        });
        app.put("/admin/loggers/{logger}", this::setLevel);
    }

    private void topics(Context ctx) {
        String name = ctx.pathParam("c");
        if (!workerFlag(WorkerConfig.TOPIC_TRACKING_ENABLE)) {
            throw HerderException.forbidden("Topic tracking is disabled.");
        }
        Set<String> topics = herder.activeTopics(name);
        ConnectRestApi.json(ctx, 200, Map.of(name, Map.of("topics", topics)));
    }

    private void resetTopics(Context ctx) {
        if (!workerFlag(WorkerConfig.TOPIC_TRACKING_ENABLE)) {
            throw HerderException.forbidden("Topic tracking is disabled.");
        }
        if (!workerFlag(WorkerConfig.TOPIC_TRACKING_ALLOW_RESET)) {
            throw HerderException.forbidden("Topic tracking reset is disabled.");
        }
        herder.resetActiveTopics(ctx.pathParam("c"));
        ConnectRestApi.empty(ctx, 202);
    }

    private boolean workerFlag(String key) {
        return herder.worker().config().getBoolean(key);
    }

    /** Per task and summed over tasks; counters run from each task's first start on this worker. */
    private void metrics(Context ctx) {
        String name = ctx.pathParam("c");
        List<TaskMetrics> tasks = herder.metrics(name);
        Map<String, Object> total = new LinkedHashMap<>();
        List<Map<String, Object>> perTask = tasks.stream().map(TaskMetrics::snapshot).toList();
        for (Map<String, Object> task : perTask) {
            task.forEach((key, value) -> {
                if (value instanceof Long count && !key.startsWith("last-") && !key.equals("id")) {
                    total.merge(key, count, (a, b) -> (Long) a + (Long) b);
                } else if (value instanceof Long time && key.startsWith("last-")) {
                    total.merge(key, time, (a, b) -> Math.max((Long) a, (Long) b));
                }
            });
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", name);
        answer.put("connector", total);
        answer.put("tasks", perTask);
        ConnectRestApi.json(ctx, 200, answer);
    }

    private void setLevel(Context ctx) {
        String name = ctx.pathParam("logger");
        Map<String, String> body = ConnectRestApi.body(ctx, NULLABLE_STRING_MAP);
        String level = body.get("level");
        if (level == null) {
            throw HerderException.badRequest("Desired 'level' parameter was not specified in request.");
        }
        if (!LoggerLevels.isValid(level)) {
            throw HerderException.notFound("invalid log level '" + level + "'.");
        }
        List<String> changed = loggers.setLevel(name, level);
        if ("cluster".equalsIgnoreCase(ctx.queryParam("scope"))) {
            // One worker is the whole cluster in standalone mode; a distributed herder would broadcast it.
            ConnectRestApi.empty(ctx, 204);
        } else {
            ConnectRestApi.json(ctx, 200, changed);
        }
    }
}
