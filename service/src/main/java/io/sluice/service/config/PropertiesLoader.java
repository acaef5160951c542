package io.sluice.service.config;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;

/**
 * The one way every {@code sluice} component reads its settings: a Kafka-style {@code .properties} file, then
 * {@code key=value} overrides that win over it, then Kafka's config providers resolved in every value
 * ({@code ${env:VAR}}, {@code ${file:/path/to/file.properties:key}}).
 *
 * <p>Providers are declared the way Kafka declares them: {@code config.providers=env,file} with
 * {@code config.providers.NAME.class} and {@code config.providers.NAME.param.*}. Unlike Kafka, {@code env} and
 * {@code file} are on when {@code config.providers} is absent: these settings come from the operator's own files
 * and command line, and the providers read nothing the process could not read anyway. Setting
 * {@code config.providers} (even empty) gives exactly the providers listed. The {@code config.providers*} keys
 * are consumed here and never reach the component.
 *
 * <p>Every problem is a {@link ConfigException} whose message is one line naming the file or key.
 */
public final class PropertiesLoader {
    public static final String CONFIG_PROVIDERS = "config.providers";
    private static final Map<String, Class<? extends ConfigProvider>> DEFAULT_PROVIDERS = Map.of(
            "env", EnvVarConfigProvider.class,
            "file", FileConfigProvider.class);

    private PropertiesLoader() {
    }

    /** The file's settings (when {@code file} is not null), the overrides, providers resolved. */
    public static Map<String, String> load(Path file, List<String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            values.putAll(readFile(file));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0 || override.substring(0, eq).isBlank()) {
                throw new ConfigException("Invalid --override '" + override + "': expected key=value");
            }
            values.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return resolve(values);
    }

    /** The settings of one properties file, values trimmed. */
    public static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Config file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).trim()));
        return values;
    }

    /** Resolves {@code ${provider:[path:]key}} references and removes the {@code config.providers*} keys. */
    public static Map<String, String> resolve(Map<String, String> values) {
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> providerSettings = new HashMap<>();
        values.forEach((key, value) -> {
            if (key.equals(CONFIG_PROVIDERS) || key.startsWith(CONFIG_PROVIDERS + ".")) {
                providerSettings.put(key, value);
            } else {
                settings.put(key, value);
            }
        });
        Map<String, ConfigProvider> providers = providers(providerSettings);
        try {
            Map<String, String> resolved = new LinkedHashMap<>(new ConfigTransformer(providers).transform(settings).data());
            resolved.forEach((key, value) -> checkResolved(key, value, providers));
            return resolved;
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException("Cannot resolve config providers: " + e.getMessage());
        } finally {
            providers.values().forEach(p -> Utils.closeQuietly(p, "config provider"));
        }
    }

    private static Map<String, ConfigProvider> providers(Map<String, String> settings) {
        List<String> names = new ArrayList<>();
        String declared = settings.get(CONFIG_PROVIDERS);
        if (declared == null) {
            names.addAll(DEFAULT_PROVIDERS.keySet());
        } else {
            for (String name : declared.split(",")) {
                if (!name.isBlank()) {
                    names.add(name.trim());
                }
            }
        }
        Map<String, ConfigProvider> providers = new HashMap<>();
        for (String name : names) {
            String prefix = CONFIG_PROVIDERS + "." + name + ".";
            String className = settings.get(prefix + "class");
            ConfigProvider provider;
            if (className != null) {
                provider = instantiate(prefix + "class", className);
            } else if (DEFAULT_PROVIDERS.containsKey(name)) {
                provider = Utils.newInstance(DEFAULT_PROVIDERS.get(name));
            } else {
                throw new ConfigException("Config provider '" + name + "' needs " + prefix + "class");
            }
            Map<String, Object> params = new HashMap<>();
            settings.forEach((key, value) -> {
                if (key.startsWith(prefix + "param.")) {
                    params.put(key.substring((prefix + "param.").length()), value);
                }
            });
            provider.configure(params);
            providers.put(name, provider);
        }
        return providers;
    }

    private static ConfigProvider instantiate(String key, String className) {
        try {
            return Utils.newInstance(className, ConfigProvider.class);
        } catch (ClassNotFoundException | RuntimeException e) {
            throw new ConfigException(key, className, "not a loadable " + ConfigProvider.class.getSimpleName());
        }
    }

    /** A reference a known provider left in place names something it does not have (an unset variable). */
    private static void checkResolved(String key, String value, Map<String, ConfigProvider> providers) {
        if (value == null) {
            return;
        }
        Matcher m = ConfigTransformer.DEFAULT_PATTERN.matcher(value);
        while (m.find()) {
            if (providers.containsKey(m.group(1))) {
                throw new ConfigException("Cannot resolve " + m.group() + " in '" + key + "': "
                        + (m.group(1).equals("env") ? "no such environment variable" : "no such key"));
            }
        }
    }
}
