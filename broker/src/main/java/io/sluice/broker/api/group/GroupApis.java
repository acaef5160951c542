package io.sluice.broker.api.group;

import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The classic group protocol's APIs over {@link GroupCoordinator}. FindCoordinator is registered
 * apart (it answers transactional ids too) and TxnOffsetCommit with the transaction APIs, so that it
 * is only advertised when transactions can be completed.
 */
public final class GroupApis {
    /** Highest OffsetCommit / OffsetFetch version that names topics rather than topic ids. */
    static final short LAST_VERSION_BY_TOPIC_NAME = 9;

    private GroupApis() {
    }

    public static void register(ApiRouter router, GroupCoordinator groups) {
        boolean topicIds = groups.topicIds() != null;
        short maxOffsetVersion = topicIds ? ApiKeys.OFFSET_COMMIT.latestVersion() : LAST_VERSION_BY_TOPIC_NAME;
        short maxFetchVersion = topicIds ? ApiKeys.OFFSET_FETCH.latestVersion() : LAST_VERSION_BY_TOPIC_NAME;
        router.register(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups))
                .register(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups))
                .register(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups))
                .register(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups))
                .register(ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_COMMIT.oldestVersion(), maxOffsetVersion,
                        new OffsetCommitHandler(groups))
                .register(ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_FETCH.oldestVersion(), maxFetchVersion,
                        new OffsetFetchHandler(groups))
                .register(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups))
                .register(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups))
                .register(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups))
                .register(ApiKeys.OFFSET_DELETE, new OffsetDeleteHandler(groups));
    }
}
