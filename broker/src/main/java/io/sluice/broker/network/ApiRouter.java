package io.sluice.broker.network;

import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.EnumMap;
import java.util.Map;

/** Which handler serves which API, and at which versions: the single source of what ApiVersions advertises. */
public final class ApiRouter {
    private record Route(short minVersion, short maxVersion, ApiHandler handler) {
    }

    private final Map<ApiKeys, Route> routes = new EnumMap<>(ApiKeys.class);

    /** Serves every version kafka-clients knows for this API. */
    public ApiRouter register(ApiKeys api, ApiHandler handler) {
        return register(api, api.oldestVersion(), api.latestVersion(), handler);
    }

    /**
     * @throws IllegalStateException when the API already has a handler: two components claiming one API
     *                               is a wiring mistake, and a silent replacement hides which one serves
     */
    public ApiRouter register(ApiKeys api, short minVersion, short maxVersion, ApiHandler handler) {
        Route previous = routes.putIfAbsent(api, new Route(minVersion, maxVersion, handler));
        if (previous != null) {
            throw new IllegalStateException("API " + api + " is registered twice (first handler: "
                    + previous.handler().getClass().getName() + ")");
        }
        return this;
    }

    public ApiHandler handler(ApiKeys api) {
        Route route = routes.get(api);
        return route == null ? null : route.handler();
    }

    public boolean supports(ApiKeys api, short version) {
        Route route = routes.get(api);
        return route != null && version >= route.minVersion() && version <= route.maxVersion();
    }

    public ApiVersionCollection advertised() {
        ApiVersionCollection out = new ApiVersionCollection();
        routes.forEach((api, route) -> out.add(new ApiVersion()
                .setApiKey(api.id)
                .setMinVersion(route.minVersion())
                .setMaxVersion(route.maxVersion())));
        return out;
    }
}
