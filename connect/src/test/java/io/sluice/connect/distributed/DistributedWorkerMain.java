package io.sluice.connect.distributed;

import io.sluice.connect.ConnectDistributed;

import java.util.Map;

/**
 * A distributed worker in a child JVM for crash tests: args are the bootstrap servers, the group id, then extra
 * {@code key=value} worker settings. Prints {@code WORKER READY <url>} once it has joined.
 */
public final class DistributedWorkerMain {
    private DistributedWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = ConnectDistributedIT.workerSettings(args[0], args[1]);
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        ConnectDistributed connect = ConnectDistributed.start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(connect::close));
        System.out.println("WORKER READY " + connect.url());
        Thread.currentThread().join();
    }
}
