package io.respproxy.routing;

import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of one service's routing view: its shards and, for Redis Cluster, which
 * shard owns each hash slot. Built off the hot path by a {@link TopologySource} and published
 * with one volatile write; the data path reads it once per command.
 *
 * <p>Static and Sentinel services have exactly one shard that owns every slot.
 */
public final class Topology {

    public static final int SLOTS = 16384;

    private final long version;
    private final List<Shard> shards;
    /** slot -> index into {@link #shards}, or -1 for an unowned slot; null when one shard owns all. */
    private final short[] slotOwner;

    private Topology(long version, List<Shard> shards, short[] slotOwner) {
        this.version = version;
        this.shards = List.copyOf(shards);
        this.slotOwner = slotOwner;
    }

    /** A single-shard view (static, sentinel): every slot belongs to {@code shard}. */
    public static Topology single(long version, Shard shard) {
        return new Topology(version, List.of(Objects.requireNonNull(shard)), null);
    }

    /**
     * A cluster view. {@code slotOwner[slot]} is an index into {@code shards} or -1.
     * The array is copied.
     */
    public static Topology cluster(long version, List<Shard> shards, short[] slotOwner) {
        if (slotOwner.length != SLOTS) {
            throw new IllegalArgumentException("slot table must have " + SLOTS + " entries");
        }
        for (short owner : slotOwner) {
            if (owner < -1 || owner >= shards.size()) {
                throw new IllegalArgumentException("slot owner out of range: " + owner);
            }
        }
        return new Topology(version, shards, slotOwner.clone());
    }

    /** A view with nothing known yet: commands wait (hold) or fail with {@code reason}. */
    public static Topology unknown(String reason) {
        return single(0, Shard.withoutMaster("unknown", List.of(), reason));
    }

    public long version() {
        return version;
    }

    public List<Shard> shards() {
        return shards;
    }

    public boolean isCluster() {
        return slotOwner != null;
    }

    /** The shard that owns {@code slot}, or null when no shard does (cluster not fully covered). */
    public Shard shardForSlot(int slot) {
        if (slotOwner == null) {
            return shards.get(0);
        }
        int owner = slotOwner[slot];
        return owner < 0 ? null : shards.get(owner);
    }

    /** The only shard of a static or sentinel view (the first shard of a cluster view). */
    public Shard primaryShard() {
        return shards.get(0);
    }

    /** Same shards and slot table, new version. */
    public Topology withVersion(long newVersion) {
        return new Topology(newVersion, shards, slotOwner);
    }

    /** True when both views would route every command the same way (versions aside). */
    public boolean sameRoutingAs(Topology other) {
        return other != null && shards.equals(other.shards) && java.util.Arrays.equals(slotOwner, other.slotOwner);
    }

    @Override
    public String toString() {
        return "Topology{v" + version + ", " + shards + (isCluster() ? ", cluster" : "") + "}";
    }
}
