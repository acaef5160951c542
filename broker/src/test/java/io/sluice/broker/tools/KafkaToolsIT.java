package io.sluice.broker.tools;

import io.sluice.testkit.ChildBroker;
import io.sluice.testkit.KafkaTool;
import io.sluice.testkit.KafkaTool.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Apache Kafka's own command-line tools against a broker started through the Sluice CLI. */
class KafkaToolsIT {
    static ChildBroker broker;
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("sluice-tools");
        broker = new ChildBroker(tmp.resolve("data"), Map.of());
        broker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static Result tool(String mainClass, String stdin, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = broker.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        Result result = KafkaTool.run(mainClass, stdin, all);
        assertThat(result.exitCode()).as("%s %s:%n%s", mainClass, Arrays.toString(args), result.output()).isZero();
        return result;
    }

    @Test
    void topicCommandCreatesListsDescribesAltersAndDeletes() throws Exception {
        String tc = "org.apache.kafka.tools.TopicCommand";
        tool(tc, null, "--create", "--topic", "tool-topic", "--partitions", "3", "--replication-factor", "1",
                "--config", "cleanup.policy=compact");
        assertThat(tool(tc, null, "--list").output()).contains("tool-topic");
        String described = tool(tc, null, "--describe", "--topic", "tool-topic").output();
        assertThat(described).contains("PartitionCount: 3").contains("cleanup.policy=compact").contains("Leader: 0");
        tool(tc, null, "--alter", "--topic", "tool-topic", "--partitions", "5");
        assertThat(tool(tc, null, "--describe", "--topic", "tool-topic").output()).contains("PartitionCount: 5");
        Result duplicate = KafkaTool.run(tc, null, "--bootstrap-server", broker.bootstrap(), "--create", "--topic",
                "tool-topic", "--partitions", "1");
        assertThat(duplicate.output()).contains("already exists");
        tool(tc, null, "--delete", "--topic", "tool-topic");
        assertThat(tool(tc, null, "--list").output()).doesNotContain("tool-topic");
    }

    @Test
    void configCommandAltersAndDescribesTopicConfigs() throws Exception {
        tool("org.apache.kafka.tools.TopicCommand", null, "--create", "--topic", "configured", "--partitions", "1");
        tool("org.apache.kafka.tools.ConfigCommand", null, "--alter", "--entity-type", "topics", "--entity-name",
                "configured", "--add-config", "retention.ms=123456,segment.bytes=1048576");
        String described = tool("org.apache.kafka.tools.ConfigCommand", null, "--describe", "--entity-type", "topics",
                "--entity-name", "configured").output();
        assertThat(described).contains("retention.ms=123456").contains("segment.bytes=1048576");
        tool("org.apache.kafka.tools.ConfigCommand", null, "--alter", "--entity-type", "topics", "--entity-name",
                "configured", "--delete-config", "retention.ms");
        assertThat(tool("org.apache.kafka.tools.ConfigCommand", null, "--describe", "--entity-type", "topics",
                "--entity-name", "configured").output()).doesNotContain("retention.ms=123456");
    }

    @Test
    void consumerGroupCommandListsDescribesResetsAndDeletes() throws Exception {
        String cg = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
        tool("org.apache.kafka.tools.TopicCommand", null, "--create", "--topic", "grouped", "--partitions", "2");
        String lines = IntStream.range(0, 40).mapToObj(i -> "m" + i).collect(Collectors.joining("\n")) + "\n";
        tool("org.apache.kafka.tools.ConsoleProducer", lines, "--topic", "grouped");
        tool("org.apache.kafka.tools.consumer.ConsoleConsumer", null, "--topic", "grouped", "--group", "tools-group",
                "--from-beginning", "--max-messages", "40", "--timeout-ms", "30000");
        assertThat(tool(cg, null, "--list").output()).contains("tools-group");
        String described = tool(cg, null, "--describe", "--group", "tools-group").output();
        assertThat(described).contains("grouped");
        long committed = described.lines().filter(l -> l.contains("grouped"))
                .mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[3])).sum();
        assertThat(committed).isEqualTo(40);
        tool(cg, null, "--reset-offsets", "--group", "tools-group", "--topic", "grouped", "--to-earliest", "--execute");
        String reset = tool(cg, null, "--describe", "--group", "tools-group").output();
        long afterReset = reset.lines().filter(l -> l.contains("grouped"))
                .mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[3])).sum();
        assertThat(afterReset).isZero();
        tool(cg, null, "--delete", "--group", "tools-group");
        assertThat(tool(cg, null, "--list").output()).doesNotContain("tools-group");
    }

    @Test
    void consoleProducerThenConsoleConsumerRoundTrip() throws Exception {
        tool("org.apache.kafka.tools.TopicCommand", null, "--create", "--topic", "console", "--partitions", "1");
        String lines = IntStream.range(0, 50).mapToObj(i -> "key" + i + ":line " + i).collect(Collectors.joining("\n")) + "\n";
        tool("org.apache.kafka.tools.ConsoleProducer", lines, "--topic", "console",
                "--property", "parse.key=true", "--property", "key.separator=:");
        String consumed = tool("org.apache.kafka.tools.consumer.ConsoleConsumer", null, "--topic", "console",
                "--from-beginning", "--max-messages", "50", "--property", "print.key=true",
                "--property", "key.separator=:", "--timeout-ms", "30000").output();
        for (int i = 0; i < 50; i++) {
            assertThat(consumed).contains("key" + i + ":line " + i + "\n");
        }
        String offsets = tool("org.apache.kafka.tools.GetOffsetShell", null, "--topic", "console").output();
        assertThat(offsets).contains("console:0:50");
        Path json = tmp.resolve("delete.json");
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"console\",\"partition\":0,\"offset\":20}],\"version\":1}");
        tool("org.apache.kafka.tools.DeleteRecordsCommand", null, "--offset-json-file", json.toString());
        String earliest = tool("org.apache.kafka.tools.GetOffsetShell", null, "--topic", "console", "--time", "-2").output();
        assertThat(earliest).contains("console:0:20");
    }
}
