package io.sluice.connect.rest;

import io.javalin.Javalin;

/**
 * Answers requests that arrive between the moment the REST port opens and the moment the routes are in place with
 * 503 "Worker is still starting up" (Kafka Connect's answer while a worker starts), not a 404 for an endpoint that
 * exists. A worker must open its port before it knows its own id (the port may be ephemeral), and Javalin resolves
 * a request's endpoint before its before-handlers run, so a request cannot simply be held until the routes exist.
 */
public final class StartupGate {
    private static final String ANSWERED = "sluice.answered";
    private volatile boolean open;

    /** Call before {@code app.start()}, so the gate is the first handler of every request. */
    public void install(Javalin app) {
        app.before(ctx -> {
            if (open) {
                return;
            }
            ctx.attribute(ANSWERED, true);
            ctx.status(503).header("Retry-After", "1").contentType("application/json")
                    .result("{\"error_code\":503,\"message\":\"Worker is still starting up\"}");
            ctx.skipRemainingHandlers();
        });
    }

    /** Every route is registered: let requests through. */
    public void open() {
        open = true;
    }
}
