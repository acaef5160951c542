package io.sluice.broker.log;

import io.sluice.broker.config.BrokerConfig;

/**
 * The broker's {@code log.cleaner.*} settings, under Kafka's names and with Kafka's defaults.
 *
 * @param numThreads             {@code log.cleaner.threads}: threads cleaning logs at once
 * @param dedupeBufferSize       {@code log.cleaner.dedupe.buffer.size}: memory for the offset maps of all
 *                               threads together
 * @param dedupeBufferLoadFactor {@code log.cleaner.io.buffer.load.factor}: how full an offset map may get
 * @param ioBufferSize           {@code log.cleaner.io.buffer.size}: read and write buffers of all threads
 *                               together (each thread gets half for reading, half for writing)
 * @param maxMessageSize         largest batch the cleaner must be able to read ({@code message.max.bytes})
 * @param maxIoBytesPerSecond    {@code log.cleaner.io.max.bytes.per.second}: read + write throttle, all threads
 * @param backoffMs              {@code log.cleaner.backoff.ms}: sleep when no log needs cleaning
 * @param enableCleaner          {@code log.cleaner.enable}
 */
public record CleanerConfig(int numThreads, long dedupeBufferSize, double dedupeBufferLoadFactor, int ioBufferSize,
                            int maxMessageSize, double maxIoBytesPerSecond, long backoffMs, boolean enableCleaner) {

    public static final long DEFAULT_DEDUPE_BUFFER_SIZE = 128L * 1024 * 1024;

    public CleanerConfig {
        if (numThreads < 1) {
            throw new IllegalArgumentException("log.cleaner.threads must be at least 1");
        }
    }

    /** Kafka's defaults. */
    public static CleanerConfig defaults() {
        return new CleanerConfig(1, DEFAULT_DEDUPE_BUFFER_SIZE, 0.9, 512 * 1024, 1024 * 1024 + 12,
                Double.MAX_VALUE, 15_000L, true);
    }

    public static CleanerConfig from(BrokerConfig config) {
        return new CleanerConfig(config.getInt(BrokerConfig.LOG_CLEANER_THREADS),
                config.getLong(BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE),
                config.getDouble(BrokerConfig.LOG_CLEANER_IO_BUFFER_LOAD_FACTOR),
                config.getInt(BrokerConfig.LOG_CLEANER_IO_BUFFER_SIZE),
                config.getInt(BrokerConfig.MESSAGE_MAX_BYTES),
                config.getDouble(BrokerConfig.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND),
                config.getLong(BrokerConfig.LOG_CLEANER_BACKOFF_MS),
                config.getBoolean(BrokerConfig.LOG_CLEANER_ENABLE));
    }

    public CleanerConfig withDedupeBufferSize(long bytes) {
        return new CleanerConfig(numThreads, bytes, dedupeBufferLoadFactor, ioBufferSize, maxMessageSize,
                maxIoBytesPerSecond, backoffMs, enableCleaner);
    }

    public CleanerConfig withBackoffMs(long ms) {
        return new CleanerConfig(numThreads, dedupeBufferSize, dedupeBufferLoadFactor, ioBufferSize, maxMessageSize,
                maxIoBytesPerSecond, ms, enableCleaner);
    }

    /** Offset-map memory of one thread (Kafka caps it at 2 GiB, the largest array). */
    int dedupeBufferPerThread() {
        return (int) Math.min(dedupeBufferSize / numThreads, Integer.MAX_VALUE - 8);
    }

    /** Read (or write) buffer of one thread. */
    int ioBufferPerThread() {
        return Math.max(1024, ioBufferSize / numThreads / 2);
    }
}
