package io.sluice.connect.plugins;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin (a directory of jars, or one jar). Child-first, so a plugin's own copy of a
 * library (Jackson, Guava, an older kafka-clients) wins over the runtime's, except for the classes the plugin and
 * the runtime must share to talk to each other: the JDK, the Connect API ({@code org.apache.kafka.connect.*}),
 * kafka-clients' {@code org.apache.kafka.common.*} (schemas, configs, headers, TopicPartition) and SLF4J. Those
 * come from the runtime when it has them and from the plugin only when it does not, which is how a plugin's own
 * implementation classes under {@code org.apache.kafka.connect} (e.g. {@code connect-file}) still load.
 */
public final class PluginClassLoader extends URLClassLoader {
    private static final String[] SHARED_PREFIXES = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.",
        "org.apache.kafka.connect.", "org.apache.kafka.common.", "org.slf4j."
    };

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String location;

    public PluginClassLoader(String location, URL[] urls, ClassLoader parent) {
        super("plugin:" + location, urls, parent);
        this.location = location;
    }

    /** The plugin directory or jar this loader reads. */
    public String location() {
        return location;
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                loaded = isShared(name) ? parentThenOwn(name) : ownThenParent(name);
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    private Class<?> parentThenOwn(String name) throws ClassNotFoundException {
        try {
            return getParent().loadClass(name);
        } catch (ClassNotFoundException e) {
            return findClass(name);
        }
    }

    private Class<?> ownThenParent(String name) throws ClassNotFoundException {
        try {
            return findClass(name);
        } catch (ClassNotFoundException e) {
            return getParent().loadClass(name);
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return "PluginClassLoader{" + location + "}";
    }
}
