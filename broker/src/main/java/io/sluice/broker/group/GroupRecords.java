package io.sluice.broker.group;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Key and value encodings of the records the coordinator writes to {@code __consumer_offsets}.
 * All integers big-endian; a string is an int16 length and UTF-8 bytes (length -1 = null); bytes are
 * an int32 length and the bytes.
 *
 * <pre>
 * key   := int16 keyType, then
 *            keyType 1 (offset commit):  string group, string topic, int32 partition
 *            keyType 2 (group metadata): string group
 * value := null (tombstone: the offset or group was deleted or expired), or int16 valueVersion, then
 *            offset commit v0:   int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp,
 *                                int64 expireTimestamp
 *            group metadata v0:  string protocolType, int32 generation, string protocolName, string leader,
 *                                int64 stateTimestamp, int32 memberCount, memberCount × member
 *            member:             string memberId, string groupInstanceId, string clientId, string clientHost,
 *                                int32 rebalanceTimeoutMs, int32 sessionTimeoutMs, bytes subscription,
 *                                bytes assignment
 * </pre>
 *
 * Keys identify what a record is about, so compaction keeps the latest record per offset and per
 * group. A reader skips keys of an unknown type and fails on value versions it does not know.
 */
final class GroupRecords {
    static final short OFFSET_COMMIT_KEY = 1;
    static final short GROUP_METADATA_KEY = 2;
    static final short OFFSET_COMMIT_VALUE_V0 = 0;
    static final short GROUP_METADATA_VALUE_V0 = 0;

    sealed interface Key permits OffsetKey, GroupKey {
        String groupId();
    }

    record OffsetKey(String groupId, String topic, int partition) implements Key {
    }

    record GroupKey(String groupId) implements Key {
    }

    /** A member as stored: its metadata for the group's selected protocol only. */
    record MemberValue(String memberId, String groupInstanceId, String clientId, String clientHost,
                       int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    record GroupValue(String protocolType, int generationId, String protocolName, String leaderId,
                      long stateTimestamp, List<MemberValue> members) {
    }

    private GroupRecords() {
    }

    static byte[] offsetKey(String groupId, String topic, int partition) {
        Writer w = new Writer();
        w.int16(OFFSET_COMMIT_KEY).string(groupId).string(topic).int32(partition);
        return w.toArray();
    }

    static byte[] groupKey(String groupId) {
        Writer w = new Writer();
        w.int16(GROUP_METADATA_KEY).string(groupId);
        return w.toArray();
    }

    static byte[] offsetValue(CommittedOffset o) {
        Writer w = new Writer();
        w.int16(OFFSET_COMMIT_VALUE_V0).int64(o.offset()).int32(o.leaderEpoch()).string(o.metadata())
                .int64(o.commitTimestamp()).int64(o.expireTimestamp());
        return w.toArray();
    }

    static byte[] groupValue(GroupValue g) {
        Writer w = new Writer();
        w.int16(GROUP_METADATA_VALUE_V0).string(g.protocolType()).int32(g.generationId()).string(g.protocolName())
                .string(g.leaderId()).int64(g.stateTimestamp()).int32(g.members().size());
        for (MemberValue m : g.members()) {
            w.string(m.memberId()).string(m.groupInstanceId()).string(m.clientId()).string(m.clientHost())
                    .int32(m.rebalanceTimeoutMs()).int32(m.sessionTimeoutMs()).bytes(m.subscription())
                    .bytes(m.assignment());
        }
        return w.toArray();
    }

    /** The key, or null for a key type this version does not know (written by a newer broker). */
    static Key readKey(ByteBuffer buf) {
        Reader r = new Reader(buf);
        short type = r.int16();
        return switch (type) {
            case OFFSET_COMMIT_KEY -> new OffsetKey(r.string(), r.string(), r.int32());
            case GROUP_METADATA_KEY -> new GroupKey(r.string());
            default -> null;
        };
    }

    static CommittedOffset readOffsetValue(ByteBuffer buf) {
        Reader r = new Reader(buf);
        short version = r.int16();
        if (version != OFFSET_COMMIT_VALUE_V0) {
            throw new IllegalStateException("Unknown offset commit value version " + version);
        }
        long offset = r.int64();
        int epoch = r.int32();
        String metadata = r.string();
        return new CommittedOffset(offset, epoch, metadata == null ? "" : metadata, r.int64(), r.int64());
    }

    static GroupValue readGroupValue(ByteBuffer buf) {
        Reader r = new Reader(buf);
        short version = r.int16();
        if (version != GROUP_METADATA_VALUE_V0) {
            throw new IllegalStateException("Unknown group metadata value version " + version);
        }
        String protocolType = r.string();
        int generation = r.int32();
        String protocolName = r.string();
        String leader = r.string();
        long stateTimestamp = r.int64();
        int count = r.int32();
        List<MemberValue> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(new MemberValue(r.string(), r.string(), r.string(), r.string(), r.int32(), r.int32(),
                    r.bytes(), r.bytes()));
        }
        return new GroupValue(protocolType, generation, protocolName, leader, stateTimestamp, members);
    }

    private static final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(128);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        Writer int16(short v) {
            ensure(2);
            buf.putShort(v);
            return this;
        }

        Writer int32(int v) {
            ensure(4);
            buf.putInt(v);
            return this;
        }

        Writer int64(long v) {
            ensure(8);
            buf.putLong(v);
            return this;
        }

        Writer string(String s) {
            if (s == null) {
                return int16((short) -1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("String of " + b.length + " bytes is too long");
            }
            int16((short) b.length);
            ensure(b.length);
            buf.put(b);
            return this;
        }

        Writer bytes(byte[] b) {
            int32(b.length);
            ensure(b.length);
            buf.put(b);
            return this;
        }

        byte[] toArray() {
            byte[] out = new byte[buf.position()];
            buf.flip();
            buf.get(out);
            return out;
        }
    }

    private record Reader(ByteBuffer buf) {
        short int16() {
            return buf.getShort();
        }

        int int32() {
            return buf.getInt();
        }

        long int64() {
            return buf.getLong();
        }

        String string() {
            short len = buf.getShort();
            if (len < 0) {
                return null;
            }
            byte[] b = new byte[len];
            buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            int len = buf.getInt();
            if (len < 0 || len > buf.remaining()) {
                throw new BufferUnderflowException();
            }
            byte[] b = new byte[len];
            buf.get(b);
            return b;
        }
    }
}
