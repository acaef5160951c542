package io.sluice.connect.testplugins;

import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A source writing "v0".."v(count-1)" to {@code topic}, then nothing. Its task's first {@code fail.starts} starts
 * throw (counted per connector name across restarts, {@link Recorder}), to test automatic restarts; its first
 * {@code poll.retriable.failures} polls throw a RetriableException; the value named {@code pad.value} is made
 * 5,000 characters longer.
 */
public final class CountingSourceConnector extends TestSourceConnector {
    @Override
    public Class<? extends Task> taskClass() {
        return CountingSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(config);
    }

    public static final class CountingSourceTask extends SourceTask {
        private String topic;
        private int count;
        private int next;
        private int retriableFailures;
        private String padValue;

        @Override
        public void start(Map<String, String> props) {
            String connector = props.get("name");
            int start = Recorder.started(connector);
            if (start <= Integer.parseInt(props.getOrDefault("fail.starts", "0"))) {
                throw new ConnectException("start number " + start + " of " + connector + " fails on purpose");
            }
            topic = props.get("topic");
            count = Integer.parseInt(props.getOrDefault("count", "0"));
            retriableFailures = Integer.parseInt(props.getOrDefault("poll.retriable.failures", "0"));
            padValue = props.get("pad.value");
            Map<String, Object> offset = context.offsetStorageReader().offset(Map.of("source", connector));
            next = offset == null ? 0 : ((Number) offset.get("next")).intValue();
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (retriableFailures > 0) {
                retriableFailures--;
                throw new org.apache.kafka.connect.errors.RetriableException("source busy, poll again");
            }
            if (next >= count) {
                Thread.sleep(50);
                return null;
            }
            List<SourceRecord> batch = new ArrayList<>();
            while (next < count && batch.size() < 5) {
                String key = "v" + next;
                String value = key.equals(padValue) ? key + "x".repeat(5_000) : key;
                next++;
                batch.add(new SourceRecord(Map.of("source", context.configs().get("name")), Map.of("next", next),
                        topic, null, Schema.STRING_SCHEMA, key, Schema.STRING_SCHEMA, value));
            }
            return batch;
        }

        @Override
        public void stop() {
        }

        @Override
        public String version() {
            return "1.0";
        }
    }
}
