package io.sluice.broker.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * States of a classic group, as in Apache Kafka.
 *
 * <pre>
 * Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance ──leader sync──▶ Stable
 *   ▲                 │  ▲   ▲                                                │                                  │
 *   └──no member left─┘  │   └──────────── join, leave, expiry ───────────────┘◀─────── join, leave, expiry ────┘
 * any ──delete, all offsets expired──▶ Dead
 * </pre>
 */
enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String displayName;

    GroupState(String displayName) {
        this.displayName = displayName;
    }

    /** The name the protocol uses (DescribeGroups, ListGroups). */
    String displayName() {
        return displayName;
    }

    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.allOf(GroupState.class);
        };
    }

    static GroupState parse(String name) {
        for (GroupState s : values()) {
            if (s.displayName.equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }
}
