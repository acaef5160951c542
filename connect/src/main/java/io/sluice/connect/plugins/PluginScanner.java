package io.sluice.connect.plugins;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds plugins. On {@code plugin.path}, as Kafka Connect lays it out: each entry is a jar (one plugin), or a
 * directory whose children are plugins — a jar, or a directory of jars and/or class files. Every plugin gets its
 * own {@link PluginClassLoader} and every class in it is inspected, so plugins without
 * {@code META-INF/services} manifests are found too. On the runtime's own classpath, plugins are found through
 * their {@link ServiceLoader} manifests (connect-api's and connect-json's converters, connect-transforms).
 */
final class PluginScanner {
    private static final Logger log = LoggerFactory.getLogger(PluginScanner.class);
    static final String CLASSPATH = "classpath";

    private final ClassLoader parent;
    private final List<PluginDesc> found = new ArrayList<>();

    PluginScanner(ClassLoader parent) {
        this.parent = parent;
    }

    List<PluginDesc> scan(List<String> pluginPath) {
        scanClasspath();
        for (String entry : pluginPath) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry.trim()).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                throw new ConfigException("plugin.path", entry, "no such file or directory");
            }
            if (isJar(path)) {
                scanLocation(path);
            } else if (Files.isDirectory(path)) {
                try (Stream<Path> children = Files.list(path)) {
                    children.sorted().filter(c -> isJar(c) || Files.isDirectory(c)).forEach(this::scanLocation);
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot list plugin directory " + path, e);
                }
            }
        }
        return found;
    }

    private void scanClasspath() {
        for (PluginType type : PluginType.values()) {
            ServiceLoader<?> services = ServiceLoader.load(type.api(), parent);
            services.stream().forEach(provider -> {
                try {
                    add(provider.type(), type, CLASSPATH);
                } catch (Throwable e) {
                    log.warn("Skipping classpath plugin {}: {}", provider, e.toString());
                }
            });
        }
    }

    private void scanLocation(Path location) {
        List<URL> urls = new ArrayList<>();
        List<Path> jars = new ArrayList<>();
        boolean hasClassFiles;
        try {
            if (isJar(location)) {
                jars.add(location);
                hasClassFiles = false;
            } else {
                try (Stream<Path> files = Files.walk(location)) {
                    files.filter(PluginScanner::isJar).sorted().forEach(jars::add);
                }
                try (Stream<Path> files = Files.walk(location)) {
                    hasClassFiles = files.anyMatch(f -> f.toString().endsWith(".class"));
                }
            }
            for (Path jar : jars) {
                urls.add(jar.toUri().toURL());
            }
            if (hasClassFiles) {
                urls.add(location.toUri().toURL());
            }
        } catch (IOException e) {
            log.warn("Skipping plugin location {}: {}", location, e.toString());
            return;
        }
        if (urls.isEmpty()) {
            return;
        }
        PluginClassLoader loader = new PluginClassLoader(location.toString(), urls.toArray(URL[]::new), parent);
        int before = found.size();
        for (String className : classNames(jars, hasClassFiles ? location : null)) {
            inspect(loader, className, location.toString());
        }
        PluginDrivers.register(loader);
        log.info("Loaded {} plugin(s) from {}", found.size() - before, location);
    }

    private void inspect(PluginClassLoader loader, String className, String location) {
        Class<?> candidate;
        try {
            candidate = Class.forName(className, false, loader);
        } catch (Throwable e) {
            // A class whose dependencies are missing is not a plugin we can run; most such classes are helpers.
            return;
        }
        if (candidate.getClassLoader() != loader) {
            return;
        }
        for (PluginType type : PluginType.values()) {
            if (type.api().isAssignableFrom(candidate)) {
                add(candidate, type, location);
            }
        }
    }

    private void add(Class<?> candidate, PluginType type, String location) {
        int modifiers = candidate.getModifiers();
        if (Modifier.isAbstract(modifiers) || candidate.isInterface() || !Modifier.isPublic(modifiers)) {
            return;
        }
        try {
            candidate.getConstructor();
        } catch (NoSuchMethodException e) {
            return;
        }
        found.add(new PluginDesc(candidate, type, version(candidate), location));
    }

    /** Kafka Connect asks the plugin itself ({@link Versioned}); a plugin that cannot say is "undefined". */
    private static String version(Class<?> pluginClass) {
        if (!Versioned.class.isAssignableFrom(pluginClass) && !Connector.class.isAssignableFrom(pluginClass)) {
            return "undefined";
        }
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(pluginClass.getClassLoader());
        try {
            String version = ((Versioned) pluginClass.getConstructor().newInstance()).version();
            return version == null ? "undefined" : version;
        } catch (Throwable e) {
            return "undefined";
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    private static List<String> classNames(List<Path> jars, Path classesDir) {
        List<String> names = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                file.stream().map(JarEntry::getName).filter(PluginScanner::isClassFile)
                        .forEach(n -> names.add(toClassName(n)));
            } catch (IOException e) {
                log.warn("Cannot read plugin jar {}: {}", jar, e.toString());
            }
        }
        if (classesDir != null) {
            try (Stream<Path> files = Files.walk(classesDir)) {
                files.map(f -> classesDir.relativize(f).toString().replace('\\', '/')).filter(PluginScanner::isClassFile)
                        .forEach(n -> names.add(toClassName(n)));
            } catch (IOException e) {
                log.warn("Cannot read plugin classes under {}: {}", classesDir, e.toString());
            }
        }
        return names;
    }

    private static boolean isClassFile(String entry) {
        return entry.endsWith(".class") && !entry.startsWith("META-INF/") && !entry.endsWith("module-info.class")
                && !entry.endsWith("package-info.class");
    }

    private static String toClassName(String entry) {
        return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    }

    private static boolean isJar(Path path) {
        String name = path.getFileName().toString().toLowerCase();
        return Files.isRegularFile(path) && (name.endsWith(".jar") || name.endsWith(".zip"));
    }
}
