package io.sluice.examples.avro;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code avro}: runs {@link AvroExample} once against a running broker and schema registry. */
@Command(name = "avro", mixinStandardHelpOptions = true,
        description = {"Avro producer and consumer through the schema registry: produce with v1, evolve to v2 "
                + "(a field added with a default), see a breaking v3 refused (409), read back as v2 and as v1.",
                "Needs a broker and `sluice registry` running. Exit code 1 if anything did not go as shown."})
public final class AvroCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092", description = "Broker to connect to.")
    String bootstrap;

    @Option(names = "--registry-url", defaultValue = "http://127.0.0.1:8081", description = "Schema registry URL.")
    String registryUrl;

    @Option(names = "--topic", defaultValue = "payments-avro",
            description = "Topic to use (created if missing); its subject is <topic>-value.")
    String topic;

    /** Where the example prints; System.out unless a test sets it. */
    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        return new AvroExample(bootstrap, registryUrl, topic, out).run().asExpected() ? 0 : 1;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new AvroCommand()).execute(args));
    }
}
