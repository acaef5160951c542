package io.sluice.cli.platform;

/** One component the platform runs in its process (broker, schema registry, later a Connect worker). */
interface Part extends AutoCloseable {
    /** e.g. "schema registry". */
    String name();

    /** Where clients reach it, e.g. {@code 127.0.0.1:9092} or {@code http://127.0.0.1:8081}. */
    String address();

    /** True when it is reachable from loopback only. */
    boolean loopbackOnly();

    /** The setting that opens it beyond loopback, as a platform override, e.g. {@code broker.listeners}. */
    String openWith();

    /** True once it answers its clients (a metadata request, an HTTP read); false while not yet. */
    boolean answers();

    @Override
    void close();
}
