import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/**
 * Creates one connector on a worker's REST API and times it until its work is done, for bench/connect.sh. Run with
 * the source launcher and kafka-clients on the class path:
 *
 * <pre>
 *   java -cp CP Watch.java source WORKER_URL NAME CONFIG_JSON BOOTSTRAP TOPIC RECORDS TIMEOUT_S
 *   java -cp CP Watch.java sink   WORKER_URL NAME CONFIG_JSON FILE BYTES TIMEOUT_S
 *   java -cp CP Watch.java delete-topic BOOTSTRAP TOPIC
 * </pre>
 *
 * A source is done when its (single-partition, created here) topic holds RECORDS records, a sink when its file is
 * BYTES long. The clock starts just before the PUT that creates the connector. Prints {@code elapsed_ms=N}; exits 1
 * on a timeout or an error answer.
 */
public class Watch {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        if (mode.equals("delete-topic")) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[1]))) {
                admin.deleteTopics(List.of(args[2])).all().get();
            }
            return;
        }
        String worker = args[1].replaceAll("/+$", "");
        String name = args[2];
        String config = args[3];
        HttpClient http = HttpClient.newHttpClient();
        if (mode.equals("source")) {
            String topic = args[5];
            long records = Long.parseLong(args[6]);
            long timeoutMs = Long.parseLong(args[7]) * 1000;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[4]))) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                TopicPartition partition = new TopicPartition(topic, 0);
                run(http, worker, name, config, timeoutMs, records, () -> {
                    try {
                        return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
                                .get().offset();
                    } catch (Exception e) {
                        return -1;
                    }
                });
            }
        } else {
            Path file = Path.of(args[4]);
            long bytes = Long.parseLong(args[5]);
            long timeoutMs = Long.parseLong(args[6]) * 1000;
            run(http, worker, name, config, timeoutMs, bytes, () -> {
                try {
                    return Files.exists(file) ? Files.size(file) : 0;
                } catch (Exception e) {
                    return -1;
                }
            });
        }
    }

    private static void run(HttpClient http, String worker, String name, String config, long timeoutMs, long target,
                            LongSupplier progress) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(worker + "/connectors/" + name + "/config"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(config)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() / 100 != 2) {
            System.out.println("error: PUT /connectors/" + name + "/config answered " + created.statusCode() + " "
                    + created.body());
            System.exit(1);
        }
        long deadline = start + timeoutMs * 1_000_000;
        long seen = 0;
        while (seen < target) {
            if (System.nanoTime() > deadline) {
                System.out.println("timeout: " + seen + " of " + target + " after " + timeoutMs / 1000 + " s");
                System.exit(1);
            }
            Thread.sleep(20);
            seen = progress.getAsLong();
        }
        System.out.println("elapsed_ms=" + (System.nanoTime() - start) / 1_000_000);
    }
}
