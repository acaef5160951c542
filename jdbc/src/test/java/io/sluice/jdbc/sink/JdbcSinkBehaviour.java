package io.sluice.jdbc.sink;

import io.sluice.connect.ConnectStandalone;
import io.sluice.connect.herder.ConnectorStateInfo;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.TargetState;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.jdbc.sink.Json.decimal;
import static io.sluice.jdbc.sink.Json.field;
import static io.sluice.jdbc.sink.Json.optional;
import static io.sluice.jdbc.sink.Json.primitive;
import static io.sluice.jdbc.sink.Json.struct;
import static io.sluice.jdbc.sink.Json.timestamp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JDBC sink on Sluice's standalone worker against a real broker, records produced as JsonConverter envelopes by
 * a real producer; each database (H2, PostgreSQL) runs these through a subclass giving a fresh database per test.
 */
abstract class JdbcSinkBehaviour {
    static final Duration WAIT = Duration.ofSeconds(40);
    private static final AtomicInteger TOPICS = new AtomicInteger();
    static TestBroker broker;

    @TempDir
    Path dir;
    ConnectStandalone connect;
    Db db;
    String topic;

    /** A new, empty database. */
    abstract Db newDatabase() throws Exception;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void stopWorker() {
        if (connect != null) {
            connect.close();
        }
    }

    void startWorker() throws Exception {
        if (db == null) {
            db = newDatabase();
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrap());
        settings.put("listeners", "http://127.0.0.1:0");
        settings.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        settings.put("offset.flush.interval.ms", "300");
        settings.put("key.converter", JsonConverter.class.getName());
        settings.put("value.converter", JsonConverter.class.getName());
        connect = ConnectStandalone.start(settings, List.of());
    }

    String newTopic(String prefix) {
        topic = prefix + "_" + TOPICS.incrementAndGet();
        broker.createTopic(topic, 1, Map.of());
        return topic;
    }

    void createSink(String name, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "JdbcSink");
        config.put("topics", topic);
        config.put("connection.url", db.url());
        if (db.user() != null) {
            config.put("connection.user", db.user());
        }
        config.put("max.retries", "1");
        config.put("retry.backoff.ms", "200");
        config.putAll(extra);
        connect.herder().putConnectorConfig(name, config, false, TargetState.STARTED);
    }

    void produce(String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        }
    }

    void produceAll(List<String[]> keysAndValues) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (String[] kv : keysAndValues) {
                producer.send(new ProducerRecord<>(topic, kv[0], kv[1]));
            }
            producer.flush();
        }
    }

    void awaitRows(String sql, List<String> expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(db.rows(sql)).isEqualTo(expected));
    }

    ConnectorStateInfo.TaskState awaitTaskFailed(String name) {
        await().atMost(WAIT).until(() -> "FAILED".equals(taskState(name).state()));
        return taskState(name);
    }

    ConnectorStateInfo.TaskState taskState(String name) {
        try {
            return connect.herder().taskStatus(new ConnectorTaskId(name, 0));
        } catch (RuntimeException e) {
            return new ConnectorStateInfo.TaskState(0, "UNASSIGNED", null, null);
        }
    }

    static final List<Json.Field> ORDER = List.of(field("id", "int32"), field("item", "string"),
            field("qty", "int32"), decimal("price", 2), timestamp("placed"), optional("note", "string"),
            field("paid", "boolean"));

    static String order(int id, String item, int qty, String price, long placed, String note, boolean paid) {
        return struct(ORDER, id, item, qty, new BigDecimal(price), placed, note, paid);
    }

    @Test
    void insertModeCreatesTheTableAndWritesEveryType() throws Exception {
        startWorker();
        newTopic("orders");
        createSink("insert-sink", Map.of("auto.create", "true", "db.timezone", "Europe/Paris"));
        produceAll(List.of(new String[] {null, order(1, "apple", 3, "1.25", 1_700_000_000_000L, null, true)},
                new String[] {null, order(2, "pear \"bosc\"", 1, "10.00", 1_700_000_060_000L, "gift", false)}));

        awaitRows("SELECT \"id\", \"item\", \"qty\", \"price\", \"note\", \"paid\" FROM \"" + topic
                + "\" ORDER BY \"id\"",
                List.of("1|apple|3|1.25|null|" + bool(true), "2|pear \"bosc\"|1|10.00|gift|" + bool(false)));
        // 1700000000000 ms is 2023-11-14 22:13:20 UTC; db.timezone writes it as Paris's wall-clock time (UTC+1).
        assertThat(db.rows("SELECT \"placed\" FROM \"" + topic + "\" ORDER BY \"id\"").get(0))
                .startsWith("2023-11-14 23:13:20");
    }

    /** How the database's driver prints a boolean through getString. */
    abstract String bool(boolean value);

    @Test
    void upsertReplacesRowsAndTombstonesDeleteThem() throws Exception {
        startWorker();
        newTopic("customers");
        createSink("upsert-sink", Map.of("auto.create", "true", "insert.mode", "upsert", "pk.mode", "record_key",
                "pk.fields", "id", "delete.enabled", "true"));
        List<Json.Field> customer = List.of(field("name", "string"), field("tier", "int32"));
        produceAll(List.of(new String[] {primitive("int64", 1), struct(customer, "ann", 1)},
                new String[] {primitive("int64", 2), struct(customer, "bob", 1)},
                new String[] {primitive("int64", 3), struct(customer, "cy", 2)},
                new String[] {primitive("int64", 2), struct(customer, "bob", 3)},
                new String[] {primitive("int64", 1), null},
                new String[] {primitive("int64", 4), struct(customer, "di", 1)},
                new String[] {primitive("int64", 4), null},
                new String[] {primitive("int64", 4), struct(customer, "di", 2)}));

        awaitRows("SELECT \"id\", \"name\", \"tier\" FROM \"" + topic + "\" ORDER BY \"id\"",
                List.of("2|bob|3", "3|cy|2", "4|di|2"));
        assertThat(db.columnType(topic, "id")).isIn("BIGINT", "INT8");
    }

    @Test
    void updateModeChangesExistingRowsOnly() throws Exception {
        db = newDatabase();
        newTopic("stock");
        db.execute("CREATE TABLE \"" + topic + "\" (\"sku\" VARCHAR(20) PRIMARY KEY, \"level\" INTEGER NOT NULL)",
                "INSERT INTO \"" + topic + "\" VALUES ('a', 1), ('b', 2)");
        startWorker();
        createSink("update-sink", Map.of("insert.mode", "update", "pk.mode", "record_value", "pk.fields", "sku"));
        List<Json.Field> stock = List.of(field("sku", "string"), field("level", "int32"));
        produceAll(List.of(new String[] {null, struct(stock, "a", 10)}, new String[] {null, struct(stock, "zzz", 5)},
                new String[] {null, struct(stock, "b", 20)}, new String[] {null, struct(stock, "a", 11)}));

        awaitRows("SELECT \"sku\", \"level\" FROM \"" + topic + "\" ORDER BY \"sku\"", List.of("a|11", "b|20"));
    }

    @Test
    void autoEvolveAddsANewOptionalFieldAsAColumnAndWidensIntegers() throws Exception {
        startWorker();
        newTopic("events");
        createSink("evolve-sink", Map.of("auto.create", "true", "auto.evolve", "true", "pk.mode", "kafka"));
        List<Json.Field> v1 = List.of(field("kind", "string"), field("count", "int32"));
        produce(null, struct(v1, "click", 1));
        awaitRows("SELECT \"kind\", \"count\" FROM \"" + topic + "\"", List.of("click|1"));

        List<Json.Field> v2 = List.of(field("kind", "string"), field("count", "int64"), optional("source", "string"));
        produce(null, struct(v2, "view", 5_000_000_000L, "mobile"));
        produce(null, struct(v2, "scroll", 7, null));

        awaitRows("SELECT \"kind\", \"count\", \"source\", \"__connect_offset\" FROM \"" + topic
                + "\" ORDER BY \"__connect_offset\"", List.of("click|1|null|0", "view|5000000000|mobile|1",
                "scroll|7|null|2"));
        assertThat(db.columnType(topic, "count")).isIn("BIGINT", "INT8");
    }

    @Test
    void autoEvolveLengthensAShortStringColumnAndFieldsWhitelistLeavesOtherFieldsOut() throws Exception {
        db = newDatabase();
        newTopic("notes");
        db.execute("CREATE TABLE \"" + topic + "\" (\"id\" INTEGER PRIMARY KEY, \"text\" VARCHAR(5))");
        startWorker();
        createSink("notes-sink", Map.of("auto.evolve", "true", "insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "id", "fields.whitelist", "text"));
        List<Json.Field> note = List.of(field("id", "int32"), field("text", "string"), field("secret", "string"));
        produce(null, struct(note, 1, "short", "s1"));
        produce(null, struct(note, 2, "much longer than five", "s2"));

        awaitRows("SELECT \"id\", \"text\" FROM \"" + topic + "\" ORDER BY \"id\"",
                List.of("1|short", "2|much longer than five"));
        assertThat(db.columnType(topic, "secret")).as("not in fields.whitelist").isNull();
    }

    @Test
    void exactlyOnceResumesFromTheDatabasesOffsetsNotTheGroups() throws Exception {
        startWorker();
        newTopic("payments");
        Map<String, String> eos = Map.of("auto.create", "true", "exactly.once", "true",
                "consumer.override.max.poll.records", "7");
        createSink("eos-sink", eos);
        List<Json.Field> payment = List.of(field("n", "int32"));
        List<String[]> first = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            first.add(new String[] {null, struct(payment, n)});
        }
        produceAll(first);
        await().atMost(WAIT).until(() -> db.count(topic) == 40);
        awaitRows("SELECT \"connector\", \"topic\", \"kafka_partition\", \"next_offset\" FROM "
                + "\"__sluice_sink_offsets\"",
                List.of("eos-sink|" + topic + "|0|40"));
        // The group's committed offsets mirror the database's; wait for them, then throw them away.
        await().atMost(WAIT).until(() -> groupOffset("connect-eos-sink") == 40L);
        connect.close();
        connect = null;
        try (Admin admin = broker.admin()) {
            admin.deleteConsumerGroups(Set.of("connect-eos-sink")).all().get(10, TimeUnit.SECONDS);
        }
        // Group offsets gone: a sink trusting the group would start over (auto.offset.reset=earliest) and duplicate.
        startWorker();
        createSink("eos-sink", eos);
        List<String[]> second = new ArrayList<>();
        for (int n = 40; n < 50; n++) {
            second.add(new String[] {null, struct(payment, n)});
        }
        produceAll(second);
        awaitRows("SELECT \"next_offset\" FROM \"__sluice_sink_offsets\"", List.of("50"));
        await().atMost(WAIT).until(() -> db.count(topic) >= 50);
        assertThat(db.rows("SELECT COUNT(*), COUNT(DISTINCT \"n\"), MIN(\"n\"), MAX(\"n\") FROM \"" + topic + "\""))
                .containsExactly("50|50|0|49");
    }

    @Test
    void exactlyOnceStartsAPartitionWithoutAStoredOffsetFromItsBeginningWhateverTheGroupCommitted() throws Exception {
        db = newDatabase();
        newTopic("backfill");
        List<Json.Field> item = List.of(field("n", "int32"));
        List<String[]> records = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            records.add(new String[] {null, struct(item, n)});
        }
        produceAll(records);
        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets("connect-backfill-sink", Map.of(
                    new org.apache.kafka.common.TopicPartition(topic, 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(6))).all().get(10, TimeUnit.SECONDS);
        }
        startWorker();
        createSink("backfill-sink", Map.of("auto.create", "true", "exactly.once", "true"));

        awaitRows("SELECT \"next_offset\" FROM \"__sluice_sink_offsets\"", List.of("10"));
        assertThat(db.rows("SELECT COUNT(*), COUNT(DISTINCT \"n\") FROM \"" + topic + "\"")).containsExactly("10|10");
    }

    private long groupOffset(String group) throws Exception {
        try (Admin admin = broker.admin()) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            var offset = offsets.get(new org.apache.kafka.common.TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        }
    }

    @Test
    void aRecordOfTheWrongTypeFailsTheTaskNamingItsOffsetAndColumn() throws Exception {
        db = newDatabase();
        newTopic("typed");
        db.execute("CREATE TABLE \"" + topic + "\" (\"id\" INTEGER PRIMARY KEY, \"qty\" INTEGER NOT NULL)");
        startWorker();
        createSink("typed-sink", Map.of("pk.mode", "record_value", "pk.fields", "id"));
        produce(null, struct(List.of(field("id", "int32"), field("qty", "int32")), 1, 5));
        awaitRows("SELECT \"id\", \"qty\" FROM \"" + topic + "\"", List.of("1|5"));
        produce(null, struct(List.of(field("id", "int32"), field("qty", "string")), 2, "five"));

        ConnectorStateInfo.TaskState failed = awaitTaskFailed("typed-sink");
        assertThat(failed.trace()).contains("topic '" + topic + "', partition 0, offset 1")
                .contains("column qty");
        assertThat(db.rows("SELECT \"id\", \"qty\" FROM \"" + topic + "\"")).containsExactly("1|5");
        assertThat(connect.herder().status("typed-sink").connector().state()).isEqualTo("RUNNING");
    }

    @Test
    void aRecordWithoutItsKeyFailsTheTaskClearly() throws Exception {
        startWorker();
        newTopic("keyed");
        createSink("keyed-sink", Map.of("auto.create", "true", "insert.mode", "upsert", "pk.mode", "record_key",
                "pk.fields", "id"));
        produce(null, struct(List.of(field("name", "string")), "nobody"));

        ConnectorStateInfo.TaskState failed = awaitTaskFailed("keyed-sink");
        assertThat(failed.trace()).contains("topic '" + topic + "', partition 0, offset 0")
                .contains("the key is missing");
    }

    @Test
    void withErrorsToleranceAllBadRecordsGoToTheDeadLetterQueueWithContextHeadersAndTheRestLands() throws Exception {
        db = newDatabase();
        newTopic("tolerant");
        String dlq = topic + "_dlq";
        db.execute("CREATE TABLE \"" + topic + "\" (\"id\" INTEGER PRIMARY KEY, \"qty\" INTEGER NOT NULL)");
        startWorker();
        createSink("tolerant-sink", Map.of("insert.mode", "upsert", "pk.mode", "record_key", "pk.fields", "id",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        String wrongType = struct(List.of(field("qty", "string")), "five");
        produceAll(List.of(new String[] {primitive("int32", 1), struct(List.of(field("qty", "int32")), 5)},
                new String[] {primitive("int32", 2), wrongType},
                new String[] {null, struct(List.of(field("qty", "int32")), 6)},
                new String[] {primitive("int32", 3), struct(List.of(field("qty", "int32")), 7)}));

        awaitRows("SELECT \"id\", \"qty\" FROM \"" + topic + "\" ORDER BY \"id\"", List.of("1|5", "3|7"));
        List<ConsumerRecord<String, String>> dead = readAll(dlq, 2);
        assertThat(dead).hasSize(2);
        assertThat(dead.get(0).value()).isEqualTo(wrongType);
        assertThat(dead.get(0).key()).isEqualTo(primitive("int32", 2));
        assertThat(dead.get(1).key()).isNull();
        for (int i = 0; i < 2; i++) {
            Map<String, String> headers = new HashMap<>();
            dead.get(i).headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            assertThat(headers).as("record %d", i).containsEntry("__connect.errors.topic", topic)
                    .containsEntry("__connect.errors.partition", "0")
                    .containsEntry("__connect.errors.offset", Integer.toString(i + 1))
                    .containsEntry("__connect.errors.connector.name", "tolerant-sink")
                    .containsEntry("__connect.errors.task.id", "0")
                    .containsEntry("__connect.errors.stage", "TASK_PUT")
                    .containsEntry("__connect.errors.class.name", "org.apache.kafka.connect.sink.SinkTask")
                    .containsEntry("__connect.errors.exception.class.name", BadRecordException.class.getName())
                    .containsKey("__connect.errors.exception.stacktrace");
            assertThat(headers.get("__connect.errors.exception.message")).as("record %d", i)
                    .contains(i == 0 ? "column qty" : "the key is missing");
        }
        assertThat(taskState("tolerant-sink").state()).isEqualTo("RUNNING");
    }

    /** The first {@code expected} records of partition 0 of {@code topic}, waiting (bounded) for them. */
    List<ConsumerRecord<String, String>> readAll(String topic, int expected) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            await().atMost(WAIT).until(() -> !consumer.partitionsFor(topic, Duration.ofSeconds(5)).isEmpty());
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Test
    void withADeadLetterQueueBadRecordsGoThereWithContextHeadersAndTheGoodRowsLand() throws Exception {
        db = newDatabase();
        newTopic("dlq");
        String dlq = topic + "-dlq";
        db.execute("CREATE TABLE \"" + topic + "\" (\"id\" INTEGER PRIMARY KEY, \"qty\" INTEGER NOT NULL)");
        startWorker();
        createSink("dlq-sink", Map.of("insert.mode", "insert", "pk.mode", "record_key", "pk.fields", "id",
                "exactly.once", "true", "errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        List<Json.Field> qty = List.of(field("qty", "int32"));
        produceAll(List.of(new String[] {primitive("int32", 1), struct(qty, 5)},
                new String[] {primitive("int32", 2), struct(List.of(field("qty", "string")), "five")},
                new String[] {null, struct(qty, 7)},
                new String[] {primitive("int32", 1), struct(qty, 6)},
                new String[] {primitive("int32", 3), struct(qty, 9)}));

        awaitRows("SELECT \"id\", \"qty\" FROM \"" + topic + "\" ORDER BY \"id\"", List.of("1|5", "3|9"));
        List<ConsumerRecord<byte[], byte[]>> dead = readAllBytes(dlq, 3);
        assertThat(dead).extracting(r -> header(r, "__connect.errors.offset")).containsExactly("1", "2", "3");
        for (var record : dead) {
            assertThat(header(record, "__connect.errors.topic")).isEqualTo(topic);
            assertThat(header(record, "__connect.errors.partition")).isEqualTo("0");
            assertThat(header(record, "__connect.errors.connector.name")).isEqualTo("dlq-sink");
            assertThat(header(record, "__connect.errors.task.id")).isEqualTo("0");
            assertThat(header(record, "__connect.errors.stage")).isEqualTo("TASK_PUT");
            assertThat(header(record, "__connect.errors.exception.class.name")).isNotBlank();
        }
        assertThat(header(dead.get(0), "__connect.errors.exception.message")).contains("qty");
        assertThat(header(dead.get(1), "__connect.errors.exception.message")).contains("key is missing");
        // The original record, as consumed: the DLQ keeps the bytes, not a re-serialization.
        assertThat(new String(dead.get(1).value(), StandardCharsets.UTF_8)).isEqualTo(struct(qty, 7));
        assertThat(taskState("dlq-sink").state()).isEqualTo("RUNNING");
    }

    private List<ConsumerRecord<byte[], byte[]>> readAllBytes(String topicName, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = broker.bytesConsumer(null, Map.of())) {
            var partition = new TopicPartition(topicName, 0);
            await().atMost(WAIT).until(() -> consumer.partitionsFor(topicName, Duration.ofSeconds(5)) != null
                    && !consumer.partitionsFor(topicName, Duration.ofSeconds(5)).isEmpty());
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
        }
        return records;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
