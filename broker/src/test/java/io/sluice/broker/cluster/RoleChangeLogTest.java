package io.sluice.broker.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RoleChangeLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("RoleChangeLogTest");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void attach() {
        logger.setLevel(Level.INFO);
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    @Test
    void aBurstOfOneTopicIsOneLine() {
        RoleChangeLog roles = new RoleChangeLog(logger);
        for (int p = 0; p < 50; p++) {
            roles.add("Broker 0: leader of", new TopicPartition("__consumer_offsets", p), "detail " + p);
        }
        roles.add("Broker 0: leader of", new TopicPartition("orders", 2), "Broker 0: leader of orders-2 at epoch 3");
        roles.add("Broker 0: follower of", new TopicPartition("orders", 0), "f0");
        roles.add("Broker 0: follower of", new TopicPartition("orders", 1), "f1");
        roles.flush();
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "Broker 0: leader of 50 partitions of __consumer_offsets (0-49)",
                "Broker 0: leader of orders-2 at epoch 3",
                "Broker 0: follower of 2 partitions of orders (0-1)");
        roles.flush();
        assertThat(lines.list).hasSize(3);
    }

    @Test
    void aScheduledBurstIsWrittenAfterTheLinger() throws InterruptedException {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            RoleChangeLog roles = new RoleChangeLog(logger, scheduler, 50);
            for (int p : new int[]{0, 1, 2, 5, 7, 8}) {
                roles.add("Broker 1: leader of", new TopicPartition("t", p), "d" + p);
            }
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !lines.list.isEmpty());
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("Broker 1: leader of 6 partitions of t (0-2, 5, 7-8)");
        } finally {
            scheduler.shutdownNow();
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
