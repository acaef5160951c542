package io.sluice.broker.api;

import io.sluice.broker.log.LogManager;
import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import io.sluice.broker.log.PartitionLog;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeLogDirs (kafka-log-dirs.sh, Cruise Control, Kafka UIs): per log dir, the size of each local partition
 * and how far its log end is behind the high watermark, with the dir's total and usable bytes. Sluice never
 * moves logs between dirs, so no replica is a future one.
 */
public final class DescribeLogDirsHandler implements ApiHandler {
    private final LogManager logs;
    private final List<Path> logDirs;

    public DescribeLogDirsHandler(LogManager logs, List<Path> logDirs) {
        this.logs = logs;
        this.logDirs = logDirs;
    }

    public void registerApis(ApiRouter router) {
        router.register(ApiKeys.DESCRIBE_LOG_DIRS, this);
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        DescribeLogDirsRequestData data = request.body(DescribeLogDirsRequest.class).data();
        DescribeLogDirsResponseData out = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
        for (Path dir : logDirs) {
            Path absolute = dir.toAbsolutePath().normalize();
            DescribeLogDirsResult result = new DescribeLogDirsResult()
                    .setLogDir(absolute.toString()).setErrorCode(Errors.NONE.code());
            try {
                var store = Files.getFileStore(absolute);
                result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
            } catch (IOException e) {
                result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                out.results().add(result);
                continue;
            }
            Map<String, DescribeLogDirsTopic> topics = new TreeMap<>();
            for (PartitionLog log : logs.all()) {
                if (!log.dir().toAbsolutePath().normalize().getParent().equals(absolute) || !wanted(data, log)) {
                    continue;
                }
                topics.computeIfAbsent(log.topicPartition().topic(), t -> new DescribeLogDirsTopic().setName(t))
                        .partitions().add(new DescribeLogDirsPartition()
                                .setPartitionIndex(log.topicPartition().partition())
                                .setPartitionSize(log.size())
                                .setOffsetLag(Math.max(0, log.highWatermark() - log.logEndOffset()))
                                .setIsFutureKey(false));
            }
            result.topics().addAll(topics.values());
            out.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeLogDirsResponse(out));
    }

    private static boolean wanted(DescribeLogDirsRequestData data, PartitionLog log) {
        if (data.topics() == null) {
            return true;
        }
        var topic = data.topics().find(log.topicPartition().topic());
        return topic != null && topic.partitions().contains(log.topicPartition().partition());
    }
}
