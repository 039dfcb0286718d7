package io.respproxy.routing.route;

import io.respproxy.routing.CommandArgs;

/**
 * A SCAN cursor as a client of a cluster service sees it: which node the walk is on and that
 * node's own cursor, packed in one unsigned 64-bit number so that the client can keep treating
 * it as an opaque Redis cursor (0 starts the walk and 0 ends it).
 *
 * <p>Layout, low bits first: {@value #SHARD_BITS} bits of shard ordinal (shards in the order of
 * their lowest slot; a shard owns at least one of the 16384 slots, so every cluster fits),
 * {@value #MEMBER_BITS} bits naming the shard's node (0: the master; else a replica's
 * {@link #replicaTag tag}, from its address, so that a replica that stops serving reads or a list
 * that reorders is noticed instead of the walk going on, meaninglessly, on another node), and the
 * node's cursor in the remaining {@value #NODE_CURSOR_BITS} bits. The member is carried because a
 * cursor means something only to the node that issued it: each redis-server seeds its dict hash
 * function at random, so a replica's cursor is meaningless on its master.
 *
 * @param shard      the shard's ordinal among the cluster's shards in lowest-slot order
 * @param member     0 for the master, a replica's tag; meaningful only while {@code nodeCursor != 0}
 * @param nodeCursor the node's own SCAN cursor (unsigned)
 */
public record ScanCursor(int shard, int member, long nodeCursor) {

    public static final int SHARD_BITS = 14;
    public static final int MEMBER_BITS = 8;
    public static final int NODE_CURSOR_BITS = 64 - SHARD_BITS - MEMBER_BITS;
    /** More shards than this cannot exist: each owns at least one slot. */
    public static final int MAX_SHARDS = 1 << SHARD_BITS;
    /** Member values: 0 (the master) and the replica tags 1..MAX_MEMBERS-1. */
    public static final int MAX_MEMBERS = 1 << MEMBER_BITS;
    /** The largest node cursor a client cursor can carry (2^42 - 1: far beyond any real hash table). */
    public static final long MAX_NODE_CURSOR = (1L << NODE_CURSOR_BITS) - 1;

    /** The walk's start: the first shard, its own cursor 0. */
    public static final ScanCursor START = new ScanCursor(0, 0, 0);

    public ScanCursor {
        if (shard < 0 || shard >= MAX_SHARDS) {
            throw new IllegalArgumentException("shard ordinal out of range: " + shard);
        }
        if (member < 0 || member >= MAX_MEMBERS) {
            throw new IllegalArgumentException("member out of range: " + member);
        }
        if (!carries(nodeCursor)) {
            throw new IllegalArgumentException("node cursor too large: " + Long.toUnsignedString(nodeCursor));
        }
    }

    /**
     * A replica's member value: 1..255 from its address, the same in every proxy (String's hash is
     * specified). Two replicas of one shard may share a tag; a walk then starts on neither.
     */
    public static int replicaTag(io.respproxy.routing.NodeAddress replica) {
        int h = replica.host().hashCode() * 31 + replica.port();
        h ^= h >>> 16;
        return 1 + Math.floorMod(h, MAX_MEMBERS - 1);
    }

    /** True when a client cursor can carry the node cursor {@code nodeCursor} (unsigned). */
    public static boolean carries(long nodeCursor) {
        return Long.compareUnsigned(nodeCursor, MAX_NODE_CURSOR) <= 0;
    }

    /** Unpacks a client cursor (unsigned); every 64-bit value is a well-formed cursor. */
    public static ScanCursor decode(long clientCursor) {
        int shard = (int) (clientCursor & (MAX_SHARDS - 1));
        int member = (int) ((clientCursor >>> SHARD_BITS) & (MAX_MEMBERS - 1));
        return new ScanCursor(shard, member, clientCursor >>> (SHARD_BITS + MEMBER_BITS));
    }

    /** Packs this cursor into the unsigned number the client is given. */
    public long encode() {
        return (nodeCursor << (SHARD_BITS + MEMBER_BITS)) | ((long) member << SHARD_BITS) | shard;
    }

    /**
     * The client cursor argument {@code index} of {@code args}, or null when it is not an unsigned
     * 64-bit decimal (Redis then answers {@code -ERR invalid cursor}): empty, a sign, anything but
     * digits, or 2^64 and more. (Redis 7 would also take a leading '+' or blanks, which no cursor it
     * hands out has.)
     */
    public static ScanCursor parse(CommandArgs args, int index) {
        int len = args.length(index);
        if (len == 0) {
            return null;
        }
        long value = 0;
        for (int i = 0; i < len; i++) {
            int d = args.byteAt(index, i) - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            // value * 10 + d must stay below 2^64
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return null;
            }
            value = value * 10 + d;
        }
        return decode(value);
    }

    /**
     * The cursor the client is given once the node at ({@code shard}, {@code member}) answered
     * {@code nodeNext} as its next cursor: the same node while it has more, else the next shard's
     * start, and 0 after the last of {@code shardCount} shards.
     *
     * @throws IllegalArgumentException when {@code nodeNext} does not fit ({@link #carries})
     */
    public static long next(int shard, int member, long nodeNext, int shardCount) {
        if (nodeNext != 0) {
            return new ScanCursor(shard, member, nodeNext).encode();
        }
        return shard + 1 < shardCount ? new ScanCursor(shard + 1, 0, 0).encode() : 0;
    }
}
