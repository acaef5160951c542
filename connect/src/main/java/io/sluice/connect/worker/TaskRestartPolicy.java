package io.sluice.connect.worker;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.HashMap;
import java.util.Map;

/**
 * Whether and how a FAILED task restarts by itself (Kafka Connect leaves it FAILED until someone calls the REST
 * API): after {@code initial.backoff.ms}, doubling per failure up to {@code max.backoff.ms}, at most
 * {@code max.attempts} times in a row (-1: forever). The worker's settings are the defaults; a connector's config
 * may override each of them.
 */
public record TaskRestartPolicy(boolean enabled, long initialBackoffMs, long maxBackoffMs, int maxAttempts) {
    public static final String GROUP = "Task Restarts";
    public static final String ENABLE = "sluice.task.restart.enable";
    public static final String INITIAL_BACKOFF_MS = "sluice.task.restart.initial.backoff.ms";
    public static final String MAX_BACKOFF_MS = "sluice.task.restart.max.backoff.ms";
    public static final String MAX_ATTEMPTS = "sluice.task.restart.max.attempts";

    /** The worker's defaults. */
    static ConfigDef defineWorker(ConfigDef def) {
        return def
                .define(ENABLE, Type.BOOLEAN, true, Importance.MEDIUM, "Restart FAILED tasks by themselves.")
                .define(INITIAL_BACKOFF_MS, Type.LONG, 1_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        "Wait before the first automatic restart of a failed task.")
                .define(MAX_BACKOFF_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        "Longest wait between automatic restarts of a task that keeps failing.")
                .define(MAX_ATTEMPTS, Type.INT, -1, ConfigDef.Range.atLeast(-1), Importance.LOW,
                        "Automatic restarts in a row before a task stays FAILED; -1 means no limit.");
    }

    /** A connector's overrides: unset means the worker's value. */
    public static ConfigDef defineConnector(ConfigDef def, int order) {
        return def
                .define(ENABLE, Type.BOOLEAN, null, Importance.LOW, "Restart FAILED tasks by themselves; the "
                        + "worker's setting when unset.", GROUP, ++order, Width.SHORT, "Restart failed tasks")
                .define(INITIAL_BACKOFF_MS, Type.LONG, null, atLeastOrUnset(0), Importance.LOW, "Wait before the first automatic "
                        + "restart; the worker's setting when unset.", GROUP, ++order, Width.SHORT, "Initial backoff")
                .define(MAX_BACKOFF_MS, Type.LONG, null, atLeastOrUnset(0), Importance.LOW, "Longest wait between automatic "
                        + "restarts; the worker's setting when unset.", GROUP, ++order, Width.SHORT, "Max backoff")
                .define(MAX_ATTEMPTS, Type.INT, null, atLeastOrUnset(-1), Importance.LOW, "Automatic restarts in a row; -1 no limit; "
                        + "the worker's setting when unset.", GROUP, ++order, Width.SHORT, "Max attempts");
    }

    /** Like {@link ConfigDef.Range#atLeast}, but unset (inherit the worker's value) is fine too. */
    private static ConfigDef.Validator atLeastOrUnset(long min) {
        ConfigDef.Validator range = ConfigDef.Range.atLeast(min);
        return (name, value) -> {
            if (value != null) {
                range.ensureValid(name, value);
            }
        };
    }

    static TaskRestartPolicy of(WorkerConfig worker, Map<String, String> connectorConfig) {
        Map<String, Object> merged = new HashMap<>();
        for (String key : new String[]{ENABLE, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, MAX_ATTEMPTS}) {
            String own = connectorConfig.get(key);
            merged.put(key, own != null && !own.isBlank() ? own.trim() : worker.originals().getOrDefault(key,
                    String.valueOf(worker.values().get(key))));
        }
        AbstractConfig parsed = new AbstractConfig(defineWorker(new ConfigDef()), merged, false);
        return new TaskRestartPolicy(parsed.getBoolean(ENABLE), parsed.getLong(INITIAL_BACKOFF_MS),
                parsed.getLong(MAX_BACKOFF_MS), parsed.getInt(MAX_ATTEMPTS));
    }

    /** The wait before restart number {@code attempt} (1 for the first). */
    long backoffMs(int attempt) {
        long delay = initialBackoffMs;
        for (int i = 1; i < attempt && delay < maxBackoffMs; i++) {
            delay *= 2;
        }
        return Math.min(delay, maxBackoffMs);
    }

    boolean mayRestart(int attemptsSoFar) {
        return enabled && (maxAttempts < 0 || attemptsSoFar < maxAttempts);
    }
}
