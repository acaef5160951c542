package io.sluice.connect.testplugins;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** What the test plugins saw, by connector name, for the tests to check (the plugins run in the test's JVM). */
public final class Recorder {
    private static final Map<String, List<String>> PUT = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> STARTS = new ConcurrentHashMap<>();

    private Recorder() {
    }

    static void put(String connector, String value) {
        PUT.computeIfAbsent(connector, c -> new CopyOnWriteArrayList<>()).add(value);
    }

    public static List<String> put(String connector) {
        return List.copyOf(PUT.getOrDefault(connector, List.of()));
    }

    /** Counts a task start of {@code connector}; returns the count including this one. */
    static int started(String connector) {
        return STARTS.computeIfAbsent(connector, c -> new AtomicInteger()).incrementAndGet();
    }

    public static int starts(String connector) {
        AtomicInteger starts = STARTS.get(connector);
        return starts == null ? 0 : starts.get();
    }
}
