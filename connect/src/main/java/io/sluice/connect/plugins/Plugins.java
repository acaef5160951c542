package io.sluice.connect.plugins;

import io.sluice.connect.converters.AvroConverter;
import io.sluice.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every plugin a worker can run, found once at start-up, and the one place plugins are instantiated. A plugin is
 * named by its class name, its simple name, or its simple name without the kind's suffix
 * ({@code FileStreamSource} for {@code FileStreamSourceConnector}), the aliases Kafka Connect accepts; an alias
 * two plugins share names neither.
 */
public final class Plugins {
    /**
     * Converters Sluice does not ship (Kafka's in {@code connect-runtime}, Confluent's Avro one); configs naming them get
     * Sluice's equivalents.
     */
    private static final Map<String, String> RUNTIME_CLASS_NAMES = Map.of(
            "org.apache.kafka.connect.converters.ByteArrayConverter", ByteArrayConverter.class.getName(),
            // Confluent's Avro converter is not shipped either; Sluice's reads and writes the same format
            "io.confluent.connect.avro.AvroConverter", AvroConverter.class.getName());

    private final List<PluginDesc> plugins;
    private final Map<String, List<PluginDesc>> byName = new HashMap<>();

    private Plugins(List<PluginDesc> plugins) {
        this.plugins = List.copyOf(plugins);
        Map<String, Set<String>> aliasOwners = new HashMap<>();
        for (PluginDesc plugin : plugins) {
            byName.computeIfAbsent(plugin.className(), k -> new ArrayList<>()).add(plugin);
            for (String alias : aliases(plugin)) {
                aliasOwners.computeIfAbsent(alias, k -> new HashSet<>()).add(plugin.className());
            }
        }
        for (PluginDesc plugin : plugins) {
            for (String alias : aliases(plugin)) {
                if (aliasOwners.get(alias).size() == 1 && !byName.containsKey(alias)) {
                    byName.computeIfAbsent(alias, k -> new ArrayList<>()).add(plugin);
                }
            }
        }
        RUNTIME_CLASS_NAMES.forEach((kafkaName, ours) -> {
            if (!byName.containsKey(kafkaName) && byName.containsKey(ours)) {
                byName.put(kafkaName, byName.get(ours));
            }
        });
    }

    /** Scans the classpath and {@code plugin.path} (its entries, already split). */
    public static Plugins scan(List<String> pluginPath) {
        return new Plugins(new PluginScanner(Plugins.class.getClassLoader()).scan(pluginPath));
    }

    private static List<String> aliases(PluginDesc plugin) {
        String simple = plugin.pluginClass().getSimpleName();
        List<String> aliases = new ArrayList<>(List.of(simple));
        String suffix = plugin.type().aliasSuffix();
        if (simple.endsWith(suffix) && simple.length() > suffix.length()) {
            aliases.add(simple.substring(0, simple.length() - suffix.length()));
        }
        return aliases;
    }

    /** The plugins of the given kinds, sorted by class name (as {@code GET /connector-plugins} lists them). */
    public List<PluginDesc> plugins(Set<PluginType> types) {
        return plugins.stream().filter(p -> types.contains(p.type()))
                .sorted(Comparator.comparing(PluginDesc::className).thenComparing(p -> p.type().ordinal()))
                .collect(Collectors.toList());
    }

    /** The plugin of one of {@code types} that {@code name} names, or null. */
    public PluginDesc find(String name, Set<PluginType> types) {
        if (name == null) {
            return null;
        }
        for (PluginDesc plugin : byName.getOrDefault(name.trim(), List.of())) {
            if (types.contains(plugin.type())) {
                return plugin;
            }
        }
        return null;
    }

    /** The connector plugin {@code name} names; a {@link ConnectException} in Kafka's words when there is none. */
    public PluginDesc connector(String name) {
        PluginDesc plugin = find(name, Set.of(PluginType.SOURCE, PluginType.SINK));
        if (plugin == null) {
            throw new ConnectException("Failed to find any class that implements Connector and which name matches "
                    + name + ", available connectors are: " + plugins(Set.of(PluginType.SOURCE, PluginType.SINK))
                    .stream().map(PluginDesc::className).collect(Collectors.joining(", ")));
        }
        return plugin;
    }

    public Connector newConnector(String name) {
        return newInstance(connector(name), Connector.class);
    }

    /**
     * A new instance of the plugin {@code name} names, which must be of kind {@code type}.
     *
     * @throws ConnectException when there is no such plugin or it cannot be created
     */
    public <T> T newPlugin(String name, PluginType type, Class<T> api) {
        PluginDesc plugin = find(name, Set.of(type));
        if (plugin == null) {
            throw new ConnectException("Failed to find any class that implements " + api.getSimpleName()
                    + " and which name matches " + name);
        }
        return newInstance(plugin, api);
    }

    /** Instantiates a plugin with its own class loader as the thread's context loader, as plugins expect. */
    public static <T> T newInstance(PluginDesc plugin, Class<T> api) {
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(plugin.loader());
        try {
            return api.cast(plugin.pluginClass().getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new ConnectException("Failed to instantiate " + plugin.className() + ": " + e, e);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }
}
