package io.sluice.mirror.heartbeat;

import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.formats.Records;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.mirror.Heartbeat;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Emits one heartbeat per interval; sleeps in between without holding up a stop. */
public final class MirrorHeartbeatTask extends SourceTask {
    private final CountDownLatch stopped = new CountDownLatch(1);
    private String source;
    private String target;
    private String topic;
    private long intervalMs;
    private long next;

    @Override
    public void start(Map<String, String> props) {
        MirrorConnectorConfig config = new MirrorConnectorConfig(props);
        source = config.sourceAlias();
        target = config.targetAlias();
        topic = config.replicationPolicy().heartbeatsTopic();
        intervalMs = config.seconds(MirrorConnectorConfig.EMIT_HEARTBEATS_INTERVAL).toMillis();
        next = System.currentTimeMillis();
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long wait = next - System.currentTimeMillis();
        if (wait > 0 && stopped.await(wait, TimeUnit.MILLISECONDS)) {
            return null;
        }
        long now = System.currentTimeMillis();
        next = now + intervalMs;
        Heartbeat heartbeat = new Heartbeat(source, target, now);
        return List.of(new SourceRecord(null, null, topic, 0, Schema.BYTES_SCHEMA, Records.heartbeatKey(heartbeat),
                Schema.BYTES_SCHEMA, Records.heartbeatValue(heartbeat), now));
    }

    @Override
    public void stop() {
        stopped.countDown();
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }
}
