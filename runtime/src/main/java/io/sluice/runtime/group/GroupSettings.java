package io.sluice.runtime.group;

/**
 * How a member takes part in a group: the group, its protocol type (e.g. {@code sr}, {@code connect}; every member
 * of a group must use the same) and protocol name, and the classic protocol's timeouts.
 */
public record GroupSettings(String groupId, String protocolType, String protocolName, int sessionTimeoutMs,
                            int rebalanceTimeoutMs, int heartbeatIntervalMs) {
    public GroupSettings {
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("heartbeat interval must be below the session timeout");
        }
    }

    /** The registry's previous defaults: a dead member is noticed within 10 s. */
    public static GroupSettings of(String groupId, String protocolType, String protocolName) {
        return new GroupSettings(groupId, protocolType, protocolName, 10_000, 30_000, 1_000);
    }
}
