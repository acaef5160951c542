package io.sluice.connect.plugins;

/**
 * One plugin class found on the classpath or the plugin path.
 *
 * @param location the plugin directory or jar it came from, or {@code "classpath"}
 */
public record PluginDesc(Class<?> pluginClass, PluginType type, String version, String location) {

    public String className() {
        return pluginClass.getName();
    }

    public ClassLoader loader() {
        return pluginClass.getClassLoader();
    }
}
