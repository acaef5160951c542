package io.sluice.mirror.checkpoint;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code sync.group.offsets.enabled}: writes translated offsets into the target's consumer groups, only for groups
 * with no active member there (a group consuming on the target owns its offsets), and never backwards.
 */
final class GroupOffsetWriter {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsetWriter.class);
    private final Admin target;

    GroupOffsetWriter(Admin target) {
        this.target = target;
    }

    void write(String group, Map<TopicPartition, OffsetAndMetadata> translated) throws Exception {
        if (translated.isEmpty() || isActive(group)) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> current = target.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> forward = new HashMap<>();
        translated.forEach((tp, offset) -> {
            OffsetAndMetadata existing = current.get(tp);
            if (existing == null || existing.offset() < offset.offset()) {
                forward.put(tp, offset);
            }
        });
        if (!forward.isEmpty()) {
            target.alterConsumerGroupOffsets(group, forward).all().get(30, TimeUnit.SECONDS);
            log.debug("Wrote {} translated offsets of group {}", forward.size(), group);
        }
    }

    private boolean isActive(String group) throws Exception {
        try {
            ConsumerGroupDescription description = target.describeConsumerGroups(List.of(group))
                    .describedGroups().get(group).get(30, TimeUnit.SECONDS);
            GroupState state = description.groupState();
            return state != GroupState.EMPTY && state != GroupState.DEAD && !description.members().isEmpty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return false;
            }
            throw e;
        }
    }
}
