package io.sluice.connect.rest;

import io.javalin.Javalin;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class StartupGateTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void aRequestBeforeTheRoutesExistGets503NotA404AndTheSameRequestWorksOnceOpen() throws Exception {
        Javalin app = Javalin.create(c -> c.showJavalinBanner = false);
        StartupGate gate = new StartupGate();
        gate.install(app);
        app.start("127.0.0.1", 0);
        try {
            HttpRequest request = HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/connectors")).build();
            HttpResponse<String> early = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(early.statusCode()).isEqualTo(503);
            assertThat(early.body()).contains("\"error_code\":503").contains("still starting up");
            assertThat(early.headers().firstValue("Retry-After")).hasValue("1");

            app.get("/connectors", ctx -> ctx.result("[]"));
            gate.open();
            HttpResponse<String> later = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(later.statusCode()).isEqualTo(200);
            assertThat(later.body()).isEqualTo("[]");
        } finally {
            app.stop();
        }
    }
}
