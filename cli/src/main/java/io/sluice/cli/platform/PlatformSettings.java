package io.sluice.cli.platform;

import io.sluice.service.config.PropertiesLoader;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one component of the platform: its own properties file (the same file it takes when
 * started alone), then the {@code --override} values whose prefix names it ({@code broker.listeners=...}
 * is the broker's {@code listeners}).
 */
final class PlatformSettings {
    static final List<String> PREFIXES = List.of("broker.", "registry.", "connect.");

    private PlatformSettings() {
    }

    /**
     * @throws IllegalArgumentException naming an override that is not {@code prefix.key=value} with a known prefix
     */
    static Map<String, String> of(String prefix, Path file, List<String> overrides) {
        Map<String, String> values = new HashMap<>();
        if (file != null) {
            values.putAll(PropertiesLoader.readFile(file));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            String key = eq > 0 ? override.substring(0, eq).trim() : "";
            if (PREFIXES.stream().noneMatch(p -> key.startsWith(p) && key.length() > p.length())) {
                throw new IllegalArgumentException("Invalid --override '" + override + "': expected "
                        + "broker.KEY=VALUE, registry.KEY=VALUE or connect.KEY=VALUE");
            }
            if (key.startsWith(prefix)) {
                values.put(key.substring(prefix.length()), override.substring(eq + 1).trim());
            }
        }
        return PropertiesLoader.resolve(values);
    }
}
