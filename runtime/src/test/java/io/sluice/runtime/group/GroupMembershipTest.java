package io.sluice.runtime.group;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Group membership with a custom protocol type and the leader election on it, against a real broker. */
class GroupMembershipTest {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Map<String, Object> client() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    /** A member whose metadata is its name and whose assignment is the sorted list of all names. */
    private static final class NamedMember implements GroupMembership.Listener {
        final AtomicReference<GroupMembership.Assignment> last = new AtomicReference<>();
        final List<Integer> revoked = Collections.synchronizedList(new ArrayList<>());
        final GroupMembership membership;

        NamedMember(String group, String name) {
            membership = new GroupMembership(client(), "member-" + name, GroupSettings.of(group, "sluice-test", "names-v1"),
                    () -> text(name), members -> {
                        TreeSet<String> names = new TreeSet<>();
                        members.forEach(m -> names.add(text(m.metadata())));
                        Map<String, ByteBuffer> out = new HashMap<>();
                        members.forEach(m -> out.put(m.memberId(), text(String.join(",", names))));
                        return out;
                    }, this);
        }

        @Override
        public void onAssigned(GroupMembership.Assignment assignment) {
            last.set(assignment);
        }

        @Override
        public void onRevoked(int generation) {
            revoked.add(generation);
        }

        String assigned() {
            GroupMembership.Assignment a = last.get();
            return a == null ? null : text(a.data());
        }
    }

    @Test
    void theGroupLeaderAssignsFromEveryMembersMetadataAndALeaverTriggersARebalance() {
        NamedMember a = new NamedMember("names", "a");
        NamedMember b = new NamedMember("names", "b");
        try {
            a.membership.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> "a".equals(a.assigned()));
            assertThat(a.last.get().groupLeader()).isTrue();
            b.membership.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> "a,b".equals(a.assigned()) && "a,b".equals(b.assigned()));
            assertThat(a.last.get().generation()).isEqualTo(b.last.get().generation());
            assertThat(a.last.get().groupLeader() ^ b.last.get().groupLeader()).isTrue();
            assertThat(a.revoked).isNotEmpty();

            int generation = b.last.get().generation();
            a.membership.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> "b".equals(b.assigned()));
            assertThat(b.last.get().generation()).isGreaterThan(generation);
            assertThat(b.last.get().groupLeader()).isTrue();
        } finally {
            a.membership.close();
            b.membership.close();
        }
    }

    @Test
    void aMemberWhoseTurnThrowsBacksOffAndRejoinsInsteadOfStopping() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<GroupMembership.Assignment> assigned = new AtomicReference<>();
        List<Integer> revoked = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failed = Collections.synchronizedList(new ArrayList<>());
        GroupMembership membership = new GroupMembership(client(), "member-flaky",
                GroupSettings.of("flaky", "sluice-test", "names-v1"), () -> text("flaky"), members -> {
                    if (attempts.incrementAndGet() <= 2) {
                        throw new IllegalStateException("assignor failure " + attempts.get());
                    }
                    Map<String, ByteBuffer> out = new HashMap<>();
                    members.forEach(m -> out.put(m.memberId(), text("ok")));
                    return out;
                }, new GroupMembership.Listener() {
                    @Override
                    public void onAssigned(GroupMembership.Assignment assignment) {
                        assigned.set(assignment);
                    }

                    @Override
                    public void onRevoked(int generation) {
                        revoked.add(generation);
                    }

                    @Override
                    public void onFailed(Throwable cause) {
                        failed.add(cause);
                    }
                });
        try {
            membership.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> assigned.get() != null);
            assertThat(text(assigned.get().data())).isEqualTo("ok");
            assertThat(attempts.get()).isGreaterThan(2);
            assertThat(revoked).contains(-1);
            assertThat(failed).isEmpty();
        } finally {
            membership.close();
        }
    }

    @Test
    void oneEligibleLeaderIsElectedAndKeptWhileItStays() throws Exception {
        GroupSettings settings = GroupSettings.of("election", "sluice-test-election", "leader-v1");
        try (LeaderElection ineligible = new LeaderElection(client(), "e0", settings, "http://a:1", false, (u, l) -> { })) {
            ineligible.start();
            await().atMost(Duration.ofSeconds(30)).until(ineligible::hasJoined);
            assertThat(ineligible.awaitLeader(Duration.ofMillis(200))).isEmpty();
            assertThat(ineligible.isLeader()).isFalse();

            try (LeaderElection z = new LeaderElection(client(), "ez", settings, "http://z:1", true, (u, l) -> { }).start()) {
                assertThat(ineligible.awaitLeader(Duration.ofSeconds(30))).contains("http://z:1");
                await().atMost(Duration.ofSeconds(30)).until(z::isLeader);
                // "b" sorts before "z" but the current leader is kept.
                try (LeaderElection b = new LeaderElection(client(), "eb", settings, "http://b:1", true, (u, l) -> { }).start()) {
                    assertThat(b.awaitLeader(Duration.ofSeconds(30))).contains("http://z:1");
                    assertThat(b.isLeader()).isFalse();
                    z.close();
                    await().atMost(Duration.ofSeconds(30)).until(b::isLeader);
                    assertThat(ineligible.awaitLeader(Duration.ofSeconds(30))).contains("http://b:1");
                }
            }
        }
    }
}
