package io.sluice.broker.api.fetch;

import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What one Fetch request reads, and how its response relates to a fetch session (Kafka's fetch
 * contexts): without one, creating one, continuing one, or refused for a session error. The handler
 * reads {@link #targets()} (as often as a long poll needs), then turns the last read into the
 * response with {@link #respond}, once.
 */
public sealed interface FetchContext {

    /** The partitions to read, in the order the byte limits favour. */
    List<FetchTarget> targets();

    /** The response to a read of {@link #targets()}, in their order; updates the session to what it tells. */
    FetchResponseData respond(List<FetchedPartition> reads);

    /** A response of whole topics, partitions in the order given (a topic repeats when they are interleaved). */
    static FetchResponseData response(Errors error, int sessionId, List<FetchedPartition> partitions) {
        FetchResponseData data = new FetchResponseData().setErrorCode(error.code()).setSessionId(sessionId);
        PartitionRef topicOfLast = null;
        FetchableTopicResponse topic = null;
        for (FetchedPartition p : partitions) {
            PartitionRef ref = p.target().ref();
            if (topicOfLast == null || !topicOfLast.sameTopic(ref)) {
                String name = p.target().topicPartition() == null ? "" : p.target().topicPartition().topic();
                topic = new FetchableTopicResponse().setTopic(name).setTopicId(ref.topicId());
                data.responses().add(topic);
                topicOfLast = ref;
            }
            topic.partitions().add(p.data());
        }
        return data;
    }

    /** Session id 0, epoch -1 (and every Fetch before v7): no session, every partition answered. */
    record Sessionless(List<FetchTarget> targets) implements FetchContext {
        @Override
        public FetchResponseData respond(List<FetchedPartition> reads) {
            return response(Errors.NONE, FetchMetadata.INVALID_SESSION_ID, reads);
        }
    }

    /** Epoch 0: a full request that asks for a new session of its partitions, if the cache has room. */
    final class Full implements FetchContext {
        private final List<FetchTarget> targets;
        private final FetchSessionCache cache;
        private final LongSupplier clock;
        private final boolean privileged;
        private final boolean usesTopicIds;

        Full(List<FetchTarget> targets, FetchSessionCache cache, LongSupplier clock, boolean privileged,
             boolean usesTopicIds) {
            this.targets = targets;
            this.cache = cache;
            this.clock = clock;
            this.privileged = privileged;
            this.usesTopicIds = usesTopicIds;
        }

        @Override
        public List<FetchTarget> targets() {
            return targets;
        }

        @Override
        public FetchResponseData respond(List<FetchedPartition> reads) {
            // Created from the response (not the request), so that the session knows what the fetcher was told.
            int sessionId = cache.create(clock.getAsLong(), privileged, usesTopicIds, reads.size(), () -> {
                LinkedHashMap<PartitionRef, CachedPartition> partitions = new LinkedHashMap<>();
                for (FetchedPartition read : reads) {
                    partitions.put(read.target().ref(), CachedPartition.answered(read.target().position(), read.data()));
                }
                return partitions;
            });
            return response(Errors.NONE, sessionId, reads);
        }
    }

    /** A request continuing a session: reads all its partitions, answers only those with something new. */
    final class Incremental implements FetchContext {
        private final FetchSession session;
        private final int expectedEpoch;
        private final List<FetchTarget> targets;
        private final Runnable onServed;

        Incremental(FetchSession session, int expectedEpoch, List<FetchTarget> targets, Runnable onServed) {
            this.session = session;
            this.expectedEpoch = expectedEpoch;
            this.targets = targets;
            this.onServed = onServed;
        }

        @Override
        public List<FetchTarget> targets() {
            return targets;
        }

        @Override
        public FetchResponseData respond(List<FetchedPartition> reads) {
            return session.answer(expectedEpoch, reads)
                    .map(carried -> {
                        onServed.run();
                        return response(Errors.NONE, session.id, carried);
                    })
                    .orElseGet(() -> response(Errors.INVALID_FETCH_SESSION_EPOCH, session.id, List.of()));
        }
    }

    /** A session error: nothing is read, and the fetcher starts over with a full request. */
    record SessionError(Errors error) implements FetchContext {
        @Override
        public List<FetchTarget> targets() {
            return List.of();
        }

        @Override
        public FetchResponseData respond(List<FetchedPartition> reads) {
            return response(error, FetchMetadata.INVALID_SESSION_ID, List.of());
        }
    }
}
