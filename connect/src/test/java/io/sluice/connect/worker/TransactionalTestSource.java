package io.sluice.connect.worker;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.TransactionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A source for exactly-once tests, found on the test class path: emits {@code records} numbered records in
 * batches of {@code batch}, and with connector-defined transactions commits even batches and aborts odd ones
 * (values {@code keep-<n>} / {@code drop-<n>}). {@code eos.support} (supported | unsupported | null) is what it
 * answers to the exactly-once preflight check.
 */
public final class TransactionalTestSource extends SourceConnector {
    private Map<String, String> config;

    @Override
    public void start(Map<String, String> props) {
        config = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return TestTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return java.util.Collections.nCopies(maxTasks, config);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public String version() {
        return "test";
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> props) {
        return switch (props.getOrDefault("eos.support", "supported")) {
            case "null" -> null;
            case "unsupported" -> ExactlyOnceSupport.UNSUPPORTED;
            default -> ExactlyOnceSupport.SUPPORTED;
        };
    }

    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> props) {
        return "unsupported".equals(props.get("eos.support")) ? ConnectorTransactionBoundaries.UNSUPPORTED
                : ConnectorTransactionBoundaries.SUPPORTED;
    }

    public static final class TestTask extends SourceTask {
        private static final Map<String, String> PARTITION = Map.of("source", "test");
        private String topic;
        private int records;
        private int batch;
        private long next;

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            records = Integer.parseInt(props.getOrDefault("records", "100"));
            batch = Integer.parseInt(props.getOrDefault("batch", "10"));
            Map<String, Object> offset = context.offsetStorageReader().offset(PARTITION);
            next = offset == null ? 0 : (Long) offset.get("position") + 1;
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= records) {
                Thread.sleep(100);
                return null;
            }
            boolean keep = (next / batch) % 2 == 0;
            List<SourceRecord> result = new ArrayList<>();
            for (int i = 0; i < batch && next < records; i++, next++) {
                result.add(new SourceRecord(PARTITION, Map.of("position", next), topic, null, null, null,
                        Schema.STRING_SCHEMA, (keep ? "keep-" : "drop-") + next));
            }
            TransactionContext transactions = context.transactionContext();
            if (transactions != null) {
                SourceRecord last = result.get(result.size() - 1);
                if (keep) {
                    transactions.commitTransaction(last);
                } else {
                    transactions.abortTransaction(last);
                }
            }
            return result;
        }

        @Override
        public void stop() {
        }

        @Override
        public String version() {
            return "test";
        }
    }
}
