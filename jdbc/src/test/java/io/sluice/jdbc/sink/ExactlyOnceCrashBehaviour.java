package io.sluice.jdbc.sink;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static io.sluice.jdbc.sink.Json.field;
import static io.sluice.jdbc.sink.Json.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An exactly-once JDBC sink (insert.mode=insert, no key) in a child JVM, SIGKILLed several times while it writes:
 * the table must end with every record exactly once. The database runs outside the child, as a real one would.
 */
abstract class ExactlyOnceCrashBehaviour {
    private static final int KILLS = 3;
    private static final int PER_ROUND = 6_000;
    private static final List<Json.Field> SCHEMA = List.of(field("n", "int32"), field("payload", "string"));

    @TempDir
    Path dir;

    abstract Db database() throws Exception;

    @Test
    void everyRecordIsInTheTableExactlyOnceAfterRepeatedSigkills() throws Exception {
        Db db = database();
        Random random = new Random();
        String topic = "crash_orders";
        try (TestBroker broker = TestBroker.start();
             KafkaProducer<String, String> producer = broker.producer(Map.of());
             // The worker's log stays in target/ for a failing run's post-mortem.
             ChildJvm worker = new ChildJvm(Path.of("target", getClass().getSimpleName() + "-worker.log")
                     .toAbsolutePath(), "256m", SinkWorkerMain.class.getName(),
                     List.of(broker.bootstrap(), db.url(), db.user() == null ? "-" : db.user(), topic,
                             dir.resolve("connect.offsets").toString()))) {
            broker.createTopic(topic, 2, Map.of());
            int produced = 0;
            int killedMidLoad = 0;
            for (int round = 0; round < KILLS; round++) {
                for (int i = 0; i < PER_ROUND; i++, produced++) {
                    producer.send(new ProducerRecord<>(topic, null, struct(SCHEMA, produced, "order-" + produced)));
                }
                producer.flush();
                long before = db.count(topic);
                worker.start();
                worker.awaitLine(Pattern.compile("SINK WORKER READY"), 60_000);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> db.count(topic) > before);
                // Soon after the first batch of the round: a quiet machine writes a whole round in well under a second.
                Thread.sleep(random.nextInt(150));
                worker.kill();
                long atKill = db.count(topic);
                if (atKill < produced) {
                    killedMidLoad++;
                }
                System.out.printf("kill %d: %d of %d rows in the table%n", round + 1, atKill, produced);
            }
            worker.start();
            worker.awaitLine(Pattern.compile("SINK WORKER READY"), 60_000);
            int total = produced;
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                    .until(() -> db.count(topic) >= total);
            Thread.sleep(2_000); // a duplicate written late would show now
            assertThat(killedMidLoad).as("kills that hit the sink mid-load").isPositive();
            assertThat(db.rows("SELECT COUNT(*), COUNT(DISTINCT \"n\"), MIN(\"n\"), MAX(\"n\") FROM \"" + topic + "\""))
                    .containsExactly(total + "|" + total + "|0|" + (total - 1));
            assertThat(worker.output()).doesNotContain("FAILED");
        }
    }
}
