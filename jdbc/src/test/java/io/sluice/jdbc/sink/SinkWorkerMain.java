package io.sluice.jdbc.sink;

import io.sluice.connect.ConnectStandalone;
import org.apache.kafka.connect.json.JsonConverter;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A standalone worker running one exactly-once JDBC sink (insert.mode=insert, no primary key: nothing but the
 * offsets table stops a duplicate), for crash tests in a child JVM. Args: bootstrap, JDBC URL, user or "-", topic,
 * offsets file.
 */
public final class SinkWorkerMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", args[0]);
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("offset.storage.file.filename", args[4]);
        worker.put("offset.flush.interval.ms", "1000");
        worker.put("key.converter", JsonConverter.class.getName());
        worker.put("value.converter", JsonConverter.class.getName());
        Map<String, String> sink = new HashMap<>();
        sink.put("name", "crash-sink");
        sink.put("connector.class", JdbcSinkConnector.class.getName());
        sink.put("topics", args[3]);
        sink.put("connection.url", args[1]);
        if (!"-".equals(args[2])) {
            sink.put("connection.user", args[2]);
        }
        sink.put("auto.create", "true");
        sink.put("insert.mode", "insert");
        sink.put("exactly.once", "true");
        sink.put("batch.size", "50");
        sink.put("consumer.override.max.poll.records", "150");
        // A restarted worker replaces its killed self at once instead of waiting for the session to expire.
        sink.put("consumer.override.group.instance.id", "crash-sink-0");
        sink.put("consumer.override.session.timeout.ms", "6000");
        sink.put("consumer.override.heartbeat.interval.ms", "1000");
        ConnectStandalone connect = ConnectStandalone.start(worker, List.of(sink));
        System.out.println("SINK WORKER READY " + connect.url());
        Thread.currentThread().join();
    }

    private SinkWorkerMain() {
    }
}
