package io.sluice.connect;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A standalone worker for crash tests, run in a child JVM: {@code worker.properties [connector.properties...]}.
 * Prints {@code WORKER READY <url>} once started, then runs until killed.
 */
public final class StandaloneWorkerMain {
    private StandaloneWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> worker = load(Path.of(args[0]));
        List<Map<String, String>> connectors = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            connectors.add(load(Path.of(args[i])));
        }
        ConnectStandalone connect = ConnectStandalone.start(worker, connectors);
        Runtime.getRuntime().addShutdownHook(new Thread(connect::close));
        System.out.println("WORKER READY " + connect.url());
        System.out.flush();
        Thread.currentThread().join();
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        }
        Map<String, String> map = new HashMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
        return map;
    }
}
