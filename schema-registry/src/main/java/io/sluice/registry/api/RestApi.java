package io.sluice.registry.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.sluice.registry.RegistryService;
import io.sluice.registry.schema.AvroSchemas;
import io.sluice.registry.schema.CompatibilityLevel;
import io.sluice.registry.schema.Mode;
import io.sluice.registry.schema.SchemaReference;
import io.sluice.registry.store.KafkaStore;
import io.sluice.registry.store.RegistryState;
import io.sluice.registry.store.SchemaVersion;
import io.sluice.runtime.rest.LeaderForwarder;
import io.sluice.runtime.rest.WriteRoute;
import io.sluice.runtime.rest.WriteRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Confluent Schema Registry's REST API v1 over Javalin. Every answer is JSON with content type
 * {@value #CONTENT_TYPE}; every failure is {@code {"error_code": N, "message": ...}} with the HTTP status that
 * N starts with. Writes are run here only on the leader; a follower forwards them ({@link LeaderForwarder}). A
 * write that arrives before the instance knows a leader (just started, or the group is rebalancing) waits for
 * one, at most the store timeout, instead of failing at once.
 */
public final class RestApi {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger log = LoggerFactory.getLogger(RestApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWERED = "sluice.answered";
    private static final String BODY = "sluice.body";

    private final RegistryService service;
    private final KafkaStore store;
    private final LeaderForwarder forwarder;
    private final CountDownLatch routerSet = new CountDownLatch(1);
    private volatile WriteRouter router;
    private final long timeoutMs;
    private final long maxBodyBytes;

    public RestApi(RegistryService service, KafkaStore store, LeaderForwarder forwarder, long timeoutMs,
                   long maxBodyBytes) {
        this.service = service;
        this.store = store;
        this.forwarder = forwarder;
        this.timeoutMs = timeoutMs;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Routes writes through the leader election. The URL to advertise in the election is known only once the
     * server listens, so writes that arrive before this call wait for it (bounded by the timeout).
     */
    public void router(WriteRouter router) {
        this.router = router;
        routerSet.countDown();
    }

    public void routes(Javalin app) {
        // Javalin's maxRequestSize only checks an announced Content-Length; a chunked body has none, so read it
        // here with the same bound instead of letting ctx.body() buffer whatever arrives.
        app.before(ctx -> {
            if (ctx.req().getContentLengthLong() < 0) {
                ctx.attribute(BODY, readBounded(ctx.req().getInputStream()));
            }
        });
        app.get("/", ctx -> json(ctx, JSON.createObjectNode()));
        // Confluent clients ask for schema contexts; this registry has only the default one.
        app.get("/contexts", ctx -> json(ctx, List.of(".")));

        app.get("/subjects", ctx -> json(ctx, service.subjects(ctx.queryParam("subjectPrefix"), flag(ctx, "deleted"))));
        app.get("/subjects/{subject}/versions", ctx ->
                json(ctx, service.versions(ctx.pathParam("subject"), flag(ctx, "deleted"))));
        app.get("/subjects/{subject}/versions/{version}", ctx -> json(ctx, versionJson(
                service.version(ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "deleted")))));
        app.get("/subjects/{subject}/versions/{version}/schema", ctx -> raw(ctx,
                service.version(ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "deleted")).schema()));
        app.get("/subjects/{subject}/versions/{version}/referencedby", ctx ->
                json(ctx, service.referencedBy(ctx.pathParam("subject"), ctx.pathParam("version"))));
        app.post("/subjects/{subject}", ctx -> json(ctx, versionJson(
                service.lookup(ctx.pathParam("subject"), registration(ctx), flag(ctx, "deleted")))));
        app.post("/subjects/{subject}/versions", ctx -> write(ctx, () -> {
            ObjectNode answer = JSON.createObjectNode();
            answer.put("id", service.register(ctx.pathParam("subject"), registration(ctx)));
            return answer;
        }));
        app.delete("/subjects/{subject}", ctx -> write(ctx, () ->
                service.deleteSubject(ctx.pathParam("subject"), flag(ctx, "permanent"))));
        app.delete("/subjects/{subject}/versions/{version}", ctx -> write(ctx, () ->
                service.deleteVersion(ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "permanent"))));

        app.get("/schemas/types", ctx -> json(ctx, List.of(AvroSchemas.TYPE)));
        app.get("/schemas/ids/{id}", ctx -> {
            SchemaVersion v = service.schemaById(id(ctx));
            ObjectNode answer = JSON.createObjectNode();
            answer.put("schema", v.schema());
            typeAndReferences(answer, v);
            json(ctx, answer);
        });
        app.get("/schemas/ids/{id}/schema", ctx -> raw(ctx, service.schemaById(id(ctx)).schema()));
        app.get("/schemas/ids/{id}/versions", ctx -> {
            ArrayNode answer = JSON.createArrayNode();
            for (RegistryState.SubjectVersion usage : service.idUsages(id(ctx), flag(ctx, "deleted"))) {
                answer.addObject().put("subject", usage.subject()).put("version", usage.version());
            }
            json(ctx, answer);
        });
        app.get("/schemas/ids/{id}/subjects", ctx -> json(ctx, service.idUsages(id(ctx), flag(ctx, "deleted")).stream()
                .map(RegistryState.SubjectVersion::subject).distinct().sorted().toList()));

        app.post("/compatibility/subjects/{subject}/versions/{version}", ctx ->
                compatibility(ctx, ctx.pathParam("version")));
        app.post("/compatibility/subjects/{subject}/versions", ctx -> compatibility(ctx, "latest"));

        app.get("/config", ctx -> json(ctx, levelJson("compatibilityLevel", service.compatibility(null, true))));
        app.put("/config", ctx -> write(ctx, () -> {
            CompatibilityLevel level = level(ctx);
            service.setCompatibility(null, level);
            return levelJson("compatibility", level);
        }));
        app.delete("/config", ctx -> write(ctx, () ->
                levelJson("compatibilityLevel", service.setCompatibility(null, null))));
        app.get("/config/{subject}", ctx -> json(ctx, levelJson("compatibilityLevel",
                service.compatibility(ctx.pathParam("subject"), flag(ctx, "defaultToGlobal")))));
        app.put("/config/{subject}", ctx -> write(ctx, () -> {
            CompatibilityLevel level = level(ctx);
            service.setCompatibility(ctx.pathParam("subject"), level);
            return levelJson("compatibility", level);
        }));
        app.delete("/config/{subject}", ctx -> write(ctx, () ->
                levelJson("compatibilityLevel", service.setCompatibility(ctx.pathParam("subject"), null))));

        app.get("/mode", ctx -> json(ctx, modeJson(service.mode(null, true))));
        app.put("/mode", ctx -> write(ctx, () -> {
            Mode mode = mode(ctx);
            service.setMode(null, mode, flag(ctx, "force"));
            return modeJson(mode);
        }));
        app.get("/mode/{subject}", ctx -> json(ctx, modeJson(
                service.mode(ctx.pathParam("subject"), flag(ctx, "defaultToGlobal")))));
        app.put("/mode/{subject}", ctx -> write(ctx, () -> {
            Mode mode = mode(ctx);
            service.setMode(ctx.pathParam("subject"), mode, flag(ctx, "force"));
            return modeJson(mode);
        }));
        app.delete("/mode/{subject}", ctx -> write(ctx, () ->
                modeJson(service.setMode(ctx.pathParam("subject"), null, false))));

        app.exception(RegistryException.class, (e, ctx) -> error(ctx, e.httpStatus(), e.errorCode(), e.getMessage()));
        app.exception(JsonProcessingException.class, (e, ctx) ->
                error(ctx, 400, 400, "Malformed JSON: " + e.getOriginalMessage()));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("Error serving {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, ErrorCode.STORE_ERROR, "Internal error: " + e);
        });
        app.error(404, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                error(ctx, 404, 404, "HTTP 404 Not Found");
            }
        });
        app.error(405, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                error(ctx, 405, 405, "HTTP 405 Method Not Allowed");
            }
        });
    }

    private void compatibility(Context ctx, String version) throws JsonProcessingException {
        List<String> problems = service.testCompatibility(ctx.pathParam("subject"), version, registration(ctx));
        ObjectNode answer = JSON.createObjectNode();
        answer.put("is_compatible", problems.isEmpty());
        if (flag(ctx, "verbose")) {
            answer.set("messages", JSON.valueToTree(problems));
        }
        json(ctx, answer);
    }

    private interface WriteAction {
        Object run() throws Exception;
    }

    /** Runs a write here if this instance leads, else forwards it to the leader and relays the answer. */
    private void write(Context ctx, WriteAction action) throws Exception {
        if (!routerSet.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new RegistryException(ErrorCode.UNKNOWN_LEADER, "Leader not known; try again shortly");
        }
        WriteRoute route = router.route(ctx.header(LeaderForwarder.FORWARDED_HEADER) != null);
        switch (route.kind()) {
            case LOCAL -> json(ctx, action.run());
            case NOT_LEADER -> throw new RegistryException(ErrorCode.UNKNOWN_LEADER, "This instance is not the leader");
            case NO_LEADER -> throw new RegistryException(ErrorCode.UNKNOWN_LEADER, "Leader not known; try again shortly");
            case FORWARD -> forward(ctx, route.leaderUrl());
        }
    }

    private void forward(Context ctx, String leader) {
        String pathAndQuery = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        LeaderForwarder.Answer answer;
        try {
            answer = forwarder.forward(leader, ctx.method().name(), pathAndQuery, text(ctx));
        } catch (LeaderForwarder.ForwardingException e) {
            throw new RegistryException(ErrorCode.FORWARDING_FAILED, e.getMessage(), e);
        }
        if (answer.status() / 100 == 2) {
            try {
                // Read-your-writes on this instance too: the leader has already read its write back.
                store.syncToEnd(timeoutMs);
            } catch (RegistryException e) {
                log.warn("Forwarded write done but this follower has not caught up yet: {}", e.getMessage());
            }
        }
        ctx.attribute(ANSWERED, true);
        ctx.status(answer.status()).contentType(CONTENT_TYPE).result(answer.body());
    }

    private RegistryService.Registration registration(Context ctx) throws JsonProcessingException {
        JsonNode body = body(ctx);
        JsonNode schema = body.get("schema");
        if (schema == null || schema.isNull() || (schema.isTextual() && schema.asText().isBlank())) {
            throw RegistryException.invalidSchema("Empty schema");
        }
        if (!schema.isTextual()) {
            throw new RegistryException(422, "The \"schema\" field must be a string holding the schema's JSON text");
        }
        List<SchemaReference> references = new ArrayList<>();
        JsonNode refs = body.get("references");
        if (refs != null && !refs.isNull()) {
            if (!refs.isArray()) {
                throw new RegistryException(422, "\"references\" must be an array");
            }
            for (JsonNode ref : refs) {
                if (!ref.path("name").isTextual() || !ref.path("subject").isTextual() || !ref.path("version").canConvertToInt()) {
                    throw new RegistryException(422, "Each reference needs a string name and subject and an int version");
                }
                references.add(new SchemaReference(ref.get("name").asText(), ref.get("subject").asText(),
                        ref.get("version").asInt()));
            }
        }
        String type = body.hasNonNull("schemaType") ? body.get("schemaType").asText() : null;
        Integer id = body.hasNonNull("id") ? body.get("id").asInt() : null;
        Integer version = body.hasNonNull("version") ? body.get("version").asInt() : null;
        return new RegistryService.Registration(schema.asText(), type, references, id, version);
    }

    /** The request body as text: read in {@code before} if it came chunked, else Javalin's (length-checked) copy. */
    private static String text(Context ctx) {
        String chunked = ctx.attribute(BODY);
        return chunked != null ? chunked : ctx.body();
    }

    private String readBounded(InputStream in) throws IOException {
        int limit = (int) Math.min(maxBodyBytes, Integer.MAX_VALUE - 16);
        byte[] bytes = in.readNBytes(limit + 1);
        if (bytes.length > limit) {
            throw new RegistryException(413, "Request body larger than " + maxBodyBytes + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static JsonNode body(Context ctx) throws JsonProcessingException {
        String text = text(ctx);
        if (text.isBlank()) {
            throw new RegistryException(422, "Request body is empty");
        }
        JsonNode body = JSON.readTree(text);
        if (!body.isObject()) {
            throw new RegistryException(422, "Request body must be a JSON object");
        }
        return body;
    }

    private static CompatibilityLevel level(Context ctx) throws JsonProcessingException {
        JsonNode body = body(ctx);
        String name = body.path("compatibility").asText(body.path("compatibilityLevel").asText(null));
        CompatibilityLevel level = CompatibilityLevel.parse(name);
        if (level == null) {
            throw new RegistryException(ErrorCode.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level. Valid values "
                    + "are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
        }
        return level;
    }

    private static Mode mode(Context ctx) throws JsonProcessingException {
        Mode mode = Mode.parse(body(ctx).path("mode").asText(null));
        if (mode == null) {
            throw new RegistryException(ErrorCode.INVALID_MODE, "Invalid mode. Valid values are READWRITE, READONLY, "
                    + "READONLY_OVERRIDE and IMPORT");
        }
        return mode;
    }

    private static int id(Context ctx) {
        try {
            return Integer.parseInt(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("Schema " + ctx.pathParam("id") + " not found");
        }
    }

    private static boolean flag(Context ctx, String name) {
        return Boolean.parseBoolean(ctx.queryParam(name));
    }

    private static ObjectNode versionJson(SchemaVersion v) {
        ObjectNode node = JSON.createObjectNode();
        node.put("subject", v.subject());
        node.put("version", v.version());
        node.put("id", v.id());
        typeAndReferences(node, v);
        node.put("schema", v.schema());
        if (v.deleted()) {
            node.put("deleted", true);
        }
        return node;
    }

    private static void typeAndReferences(ObjectNode node, SchemaVersion v) {
        if (!AvroSchemas.TYPE.equals(v.schemaType())) {
            node.put("schemaType", v.schemaType());
        }
        if (!v.references().isEmpty()) {
            node.set("references", JSON.valueToTree(v.references()));
        }
    }

    private static ObjectNode levelJson(String field, CompatibilityLevel level) {
        ObjectNode node = JSON.createObjectNode();
        node.put(field, level.name());
        return node;
    }

    private static ObjectNode modeJson(Mode mode) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mode", mode.name());
        return node;
    }

    private static void json(Context ctx, Object value) throws JsonProcessingException {
        ctx.attribute(ANSWERED, true);
        ctx.contentType(CONTENT_TYPE).result(JSON.writeValueAsString(value));
    }

    private static void raw(Context ctx, String text) {
        ctx.attribute(ANSWERED, true);
        ctx.contentType(CONTENT_TYPE).result(text);
    }

    private static void error(Context ctx, int status, int code, String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("error_code", code);
        node.put("message", message);
        ctx.attribute(ANSWERED, true);
        ctx.status(status).contentType(CONTENT_TYPE).result(node.toString());
    }
}
