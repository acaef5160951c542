package io.sluice.mirror.preserving;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice mirror promote --bootstrap-server B --topic X}: what the command line runs (the command
 * itself is declared with the other {@code sluice mirror} subcommands). Promotes the mirror topic and prints
 * where each partition takes writes from.
 */
public final class PromoteTool {
    private PromoteTool() {
    }

    /** @return the exit code: 0 promoted, 1 refused or failed (the reason on {@code err}) */
    public static int run(String bootstrapServers, String topic, Map<String, String> adminOverrides, PrintStream out,
                          PrintStream err) {
        Properties props = new Properties();
        props.putAll(adminOverrides);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            MirrorTopics.MirrorTopic promoted = MirrorTopics.promote(admin, topic);
            Map<TopicPartition, OffsetSpec> specs = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::partition));
            for (int p = 0; p < promoted.partitions(); p++) {
                specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(specs).all().get(60, TimeUnit.SECONDS);
            out.println("Promoted " + topic + ": no longer a mirror of " + promoted.sourceBootstrapServers() + ":"
                    + promoted.sourceTopic() + "; it takes writes from these offsets on:");
            for (TopicPartition tp : specs.keySet()) {
                out.println("  " + tp + " " + ends.get(tp).offset());
            }
            return 0;
        } catch (Exception e) {
            err.println("Cannot promote " + topic + ": " + e.getMessage());
            return 1;
        }
    }
}
