package io.sluice.connect.worker;

import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.plugins.Plugins;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A connector's single message transforms, applied in the order {@code transforms=} lists them; each may be
 * guarded by a predicate ({@code transforms.<alias>.predicate}, {@code .negate}). A transform returning null drops
 * the record.
 */
public final class TransformationChain<R extends ConnectRecord<R>> implements AutoCloseable {
    private record Stage<R extends ConnectRecord<R>>(Transformation<R> transform, Predicate<R> predicate, boolean negate) {
        boolean applies(R record) {
            return predicate == null || predicate.test(record) != negate;
        }
    }

    private final List<Stage<R>> stages;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    private TransformationChain(List<Stage<R>> stages) {
        this.stages = stages;
    }

    /**
     * Builds the chain a connector config describes.
     *
     * @throws ConfigException naming the setting at fault
     */
    @SuppressWarnings("unchecked")
    public static <R extends ConnectRecord<R>> TransformationChain<R> of(Map<String, String> config, Plugins plugins) {
        Map<String, Predicate<R>> predicates = new HashMap<>();
        List<Stage<R>> stages = new ArrayList<>();
        TransformationChain<R> chain = new TransformationChain<>(stages);
        try {
            for (String alias : aliases(config.get(ConnectorConfig.PREDICATES))) {
                String prefix = ConnectorConfig.PREDICATES + "." + alias + ".";
                Predicate<R> predicate = plugins.newPlugin(required(config, prefix + "type"), PluginType.PREDICATE,
                        Predicate.class);
                chain.closeables.add(predicate);
                predicate.configure(withPrefix(config, prefix));
                predicates.put(alias, predicate);
            }
            for (String alias : aliases(config.get(ConnectorConfig.TRANSFORMS))) {
                String prefix = ConnectorConfig.TRANSFORMS + "." + alias + ".";
                Transformation<R> transform = plugins.newPlugin(required(config, prefix + "type"),
                        PluginType.TRANSFORMATION, Transformation.class);
                chain.closeables.add(transform);
                transform.configure(withPrefix(config, prefix));
                String predicateAlias = config.get(prefix + "predicate");
                Predicate<R> predicate = null;
                if (predicateAlias != null && !predicateAlias.isBlank()) {
                    predicate = predicates.get(predicateAlias.trim());
                    if (predicate == null) {
                        throw new ConfigException(prefix + "predicate", predicateAlias, "no such predicate in "
                                + ConnectorConfig.PREDICATES);
                    }
                }
                stages.add(new Stage<>(transform, predicate, Boolean.parseBoolean(config.get(prefix + "negate"))));
            }
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
        return chain;
    }

    /** The record after every transform, or null when one dropped it. */
    public R apply(R record) {
        R current = record;
        for (Stage<R> stage : stages) {
            if (current == null) {
                return null;
            }
            if (stage.applies(current)) {
                current = stage.transform.apply(current);
            }
        }
        return current;
    }

    /** Runs one transformation step on behalf of {@link #apply(ConnectRecord, StepRunner)}. */
    @FunctionalInterface
    public interface StepRunner<R> {
        /** Runs {@code step} of transformation class {@code transform}; null drops the record. */
        R run(Class<?> transform, java.util.concurrent.Callable<R> step);
    }

    /**
     * The record after every transform, each step (predicate and transform) run through {@code runner} so that an
     * error handler can retry, tolerate or report it with the class at fault; null when one dropped it.
     */
    public R apply(R record, StepRunner<R> runner) {
        R current = record;
        for (Stage<R> stage : stages) {
            if (current == null) {
                return null;
            }
            R input = current;
            current = runner.run(stage.transform.getClass(),
                    () -> stage.applies(input) ? stage.transform.apply(input) : input);
        }
        return current;
    }

    @Override
    public void close() {
        closeables.forEach(c -> Utils.closeQuietly(c, "transformation"));
    }

    private static List<String> aliases(String list) {
        List<String> aliases = new ArrayList<>();
        if (list != null) {
            for (String alias : list.split(",")) {
                if (!alias.isBlank()) {
                    aliases.add(alias.trim());
                }
            }
        }
        return aliases;
    }

    private static String required(Map<String, String> config, String key) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, value, "missing");
        }
        return value.trim();
    }

    private static Map<String, Object> withPrefix(Map<String, String> config, String prefix) {
        Map<String, Object> result = new HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                result.put(key.substring(prefix.length()), value);
            }
        });
        return result;
    }
}
