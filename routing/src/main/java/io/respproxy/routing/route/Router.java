package io.respproxy.routing.route;

import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.slot.SlotHash;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Where a command goes: a pure function of (command, arguments, client, listener role, topology
 * snapshot). No I/O and no Netty types, so every decision is unit-tested without sockets. One
 * router per service and command table; shared by every event loop (it holds no mutable state).
 *
 * <p>Order of checks, as Redis: authentication first (an unauthenticated client learns nothing,
 * not even whether a command exists), then unknown command, then the deny list, then the shape.
 */
public final class Router {

    private final CommandTable table;
    private final Set<CommandSpec> denied;
    private final RoutingRules rules;

    /**
     * @param deny command names as users write them: {@code "FLUSHALL"}, {@code "CONFIG SET"} (a
     *             container denies its subcommands)
     * @throws IllegalArgumentException when a denied name is not a known command
     */
    public Router(CommandTable table, Set<String> deny, RoutingRules rules) {
        this.table = table;
        this.rules = rules;
        Set<CommandSpec> d = Collections.newSetFromMap(new IdentityHashMap<>());
        for (String name : deny) {
            CommandSpec spec = table.lookup(name);
            if (!spec.isKnown()) {
                throw new IllegalArgumentException("deny-commands: unknown command '" + name + "'");
            }
            d.add(spec);
            d.addAll(spec.subcommands());
        }
        this.denied = d;
    }

    public CommandTable table() {
        return table;
    }

    public RoutingRules rules() {
        return rules;
    }

    /** The spec of this request's command (never null: {@link CommandSpec#UNKNOWN}). */
    public CommandSpec lookup(CommandArgs args) {
        return table.lookup(args);
    }

    public boolean isDenied(CommandSpec spec) {
        return denied.contains(spec);
    }

    /**
     * Decides where {@code args} goes.
     *
     * @param readSeq the client's round-robin counter for reads (the caller advances it)
     */
    public Route route(CommandSpec spec, CommandArgs args, ClientView client, ListenerRole role, Topology topology,
                       int readSeq) {
        if (!client.authenticated() && !spec.noAuth()) {
            return new Route.Refuse(RoutingErrors.NOAUTH);
        }
        if (!spec.isKnown()) {
            return new Route.Refuse(RoutingErrors.unknownCommand(args));
        }
        if (!denied.isEmpty() && denied.contains(spec)) { // most services deny nothing: no identity hash then
            return new Route.Refuse(RoutingErrors.denied(spec));
        }
        RoutingShape shape = spec.shape();
        return switch (shape) {
            case LOCAL, UNWATCH, UNSUBSCRIBE -> Route.LOCAL;
            case UNSUPPORTED -> new Route.Refuse(RoutingErrors.unsupported(spec));
            case EXEC -> new Route.Refuse(RoutingErrors.withoutMulti(args));
            case UNKNOWN -> new Route.Refuse(RoutingErrors.unknownCommand(args));
            case OUT_OF_BAND -> outOfBand(topology);
            // Cluster: a transaction without keys runs on the home shard's master; the proxy pins
            // it to the node of its first key instead when one comes (transactionNode).
            case MULTI -> pinned(topology.isCluster() ? home(topology) : topology.primaryShard(), false, role, readSeq);
            // Cluster: pinned to the home master; the session watches the other masters too.
            case MONITOR -> topology.isCluster() ? pinned(home(topology), false, role, readSeq)
                    : pinned(topology.primaryShard(), true, role, readSeq);
            case WATCH, SUBSCRIBE -> pinnedByKeys(spec, args, shape == RoutingShape.SUBSCRIBE, role, topology, readSeq);
            case BLOCKING -> spec.isBlocking(args) ? blocking(spec, args, client, role, topology, readSeq)
                    : data(RoutingShape.SINGLE_SLOT, spec, args, client, role, topology, readSeq);
            case SINGLE_KEY, SINGLE_SLOT, KEYLESS, MULTI_KEY_CONCAT, MULTI_KEY_SUM, MULTI_KEY_PAIRS, ALL_MASTERS,
                 ALL_NODES, SCAN -> data(shape, spec, args, client, role, topology, readSeq);
        };
    }

    private Route blocking(CommandSpec spec, CommandArgs args, ClientView client, ListenerRole role, Topology t,
                           int readSeq) {
        boolean read = spec.isReadOnly();
        Route refused = refuseWrite(read, args, client, role);
        return refused != null ? refused : pinnedByKeys(spec, args, read, role, t, readSeq);
    }

    /** A write by a read-only user, or on a read port that rejects writes: the refusal; else null. */
    private Route refuseWrite(boolean read, CommandArgs args, ClientView client, ListenerRole role) {
        if (read) {
            return null;
        }
        if (client.readOnlyUser()) {
            return new Route.Refuse(RoutingErrors.noPermission(args));
        }
        if (role == ListenerRole.READ && rules.readPortRejectsWrites()) {
            return new Route.Refuse(RoutingErrors.READONLY_PORT);
        }
        return null;
    }

    private Route data(RoutingShape shape, CommandSpec spec, CommandArgs args, ClientView client, ListenerRole role,
                       Topology t, int readSeq) {
        boolean read = spec.isReadOnly();
        Route refused = refuseWrite(read, args, client, role);
        if (refused != null) {
            return refused;
        }
        if (!t.isCluster()) {
            // One shard owns everything: no key needs to be looked at. A SCAN still must stay on
            // the replica that issued its cursor, which only the cursor can say.
            return shape == RoutingShape.SCAN ? scan(args, read, role, t, readSeq) : toNode(t.primaryShard(), read, role, readSeq);
        }
        return switch (shape) {
            case ALL_MASTERS -> fanOut(t, false, !read);
            case ALL_NODES -> fanOut(t, true, !read);
            case SCAN -> scan(args, read, role, t, readSeq);
            case MULTI_KEY_CONCAT, MULTI_KEY_SUM, MULTI_KEY_PAIRS -> split(spec, args, read, role, t, readSeq);
            default -> {
                int slot = slotOfKeys(spec, args);
                Route badKeys = refusal(slot, spec);
                yield badKeys != null ? badKeys : toNode(ownerOf(slot, t, read, readSeq), read, role, readSeq, slot);
            }
        };
    }

    /** {@link #slotOfKeys}: no keys (or none to be found: a cluster node runs such a command itself). */
    private static final int NO_KEYS = -1;
    /** {@link #slotOfKeys}: the wrong number of arguments. */
    private static final int BAD_ARITY = -2;
    /** {@link #slotOfKeys}: keys of different slots. */
    private static final int CROSS_SLOT = -3;

    /**
     * The hash slot of every key of the request, or {@link #NO_KEYS}, {@link #BAD_ARITY},
     * {@link #CROSS_SLOT}. EVAL with a bad numkeys or MSET with an odd count have no keys to be
     * found: a cluster node answers its own error for them.
     */
    private static int slotOfKeys(CommandSpec spec, CommandArgs args) {
        int n = spec.keyCount(args);
        if (n < 0 && !spec.acceptsArgCount(args.size())) {
            return BAD_ARITY; // what a node checks first
        }
        int slot = NO_KEYS;
        for (int k = 0; k < n; k++) {
            int s = SlotHash.slot(args, spec.keyIndex(args, k));
            if (slot >= 0 && s != slot) {
                return CROSS_SLOT;
            }
            slot = s;
        }
        return slot;
    }

    /** The refusal {@code slot} (from {@link #slotOfKeys}) stands for, or null when it is a slot or none. */
    private static Route refusal(int slot, CommandSpec spec) {
        return switch (slot) {
            case BAD_ARITY -> new Route.Refuse(RoutingErrors.arity(spec));
            case CROSS_SLOT -> new Route.Refuse(RoutingErrors.CROSSSLOT);
            default -> null;
        };
    }

    /**
     * The shard owning {@code slot}, null when no shard serves it; for {@link #NO_KEYS}, reads
     * spread over the shards (the {@code seq}-th) and the rest go home.
     */
    private static Shard ownerOf(int slot, Topology t, boolean spread, int seq) {
        if (slot == NO_KEYS) {
            return spread ? anyShard(t, seq) : home(t);
        }
        return t.shardForSlot(slot);
    }

    private Route pinnedByKeys(CommandSpec spec, CommandArgs args, boolean read, ListenerRole role, Topology t,
                               int readSeq) {
        if (!t.isCluster()) {
            return pinned(t.primaryShard(), read, role, readSeq);
        }
        int slot = slotOfKeys(spec, args);
        Route refused = refusal(slot, spec);
        return refused != null ? refused : pinned(ownerOf(slot, t, false, readSeq), read, role, readSeq);
    }

    /**
     * A command inside a transaction of a cluster snapshot: the master owning its keys, where the
     * transaction must run ({@link Route.Pinned}); or its refusal (keys of several slots, an
     * unserved slot, undeterminable keys); or {@link Route.Hold} while that shard has no master.
     * Null for a command without keys (it runs wherever the transaction does), for one the node
     * refuses with its own error (unknown, wrong number of arguments), and outside a cluster.
     */
    public Route transactionNode(CommandSpec spec, CommandArgs args, Topology t) {
        if (!t.isCluster() || !spec.isKnown() || !spec.acceptsArgCount(args.size())) {
            return null;
        }
        RoutingShape shape = spec.shape();
        if (shape == RoutingShape.ALL_MASTERS || shape == RoutingShape.ALL_NODES || shape == RoutingShape.SCAN) {
            // Queued on one node it would reach one shard only (FLUSHALL, SCRIPT LOAD, DBSIZE, SCAN):
            // refused, which fails the transaction as any refusal does.
            return new Route.Refuse(RoutingErrors.inClusterTransaction(spec));
        }
        if (spec.keyCount(args) <= 0) {
            return null; // runs wherever the transaction does (none to be found: the node answers its error)
        }
        int slot = slotOfKeys(spec, args);
        Route refused = refusal(slot, spec);
        if (refused != null) {
            return refused;
        }
        Shard s = t.shardForSlot(slot);
        if (s == null) {
            return new Route.Refuse(RoutingErrors.CLUSTERDOWN_UNSERVED);
        }
        if (s.master() == null) {
            return new Route.Hold(s.noMasterReason());
        }
        Route wait = spec.isReadOnly() ? null : tooFewReplicas(s);
        return wait != null ? wait : new Route.Pinned(s.master(), false);
    }

    /**
     * Where a cluster's keyless commands go that are not reads: PUBLISH, a keyless EVAL, FCALL or
     * MULTI, SUBSCRIBE and PSUBSCRIBE. One shard for every client (the one serving slot 0), as
     * they would all reach one Redis: a PUBLISH counts the subscribers the proxy placed there,
     * keyless scripts and transactions of different clients run one after the other, in the
     * order they came. (A PUBLISH reaches every node's subscribers anyway, by the cluster bus.)
     */
    private static Shard home(Topology t) {
        Shard s = t.shardForSlot(0);
        return s != null ? s : t.shards().get(0);
    }

    /** A shard for a read without keys: the {@code seq}-th, round-robin. */
    private static Shard anyShard(Topology t, int seq) {
        List<Shard> shards = t.shards();
        return shards.get(Math.floorMod(seq, shards.size()));
    }

    private Route pinned(Shard shard, boolean read, ListenerRole role, int readSeq) {
        if (shard == null) {
            return new Route.Refuse(RoutingErrors.CLUSTERDOWN_UNSERVED);
        }
        Route r = toNode(shard, read, role, readSeq);
        return r instanceof Route.ToNode n ? new Route.Pinned(n.node(), read) : r;
    }

    /** Reads to an eligible replica (round-robin) unless on the write port; everything else to the master. */
    private Route toNode(Shard shard, boolean read, ListenerRole role, int readSeq) {
        return toNode(shard, read, role, readSeq, NO_KEYS);
    }

    /** As {@link #toNode(Shard, boolean, ListenerRole, int)} for keys of {@code slot}; an unserved slot is refused. */
    private Route toNode(Shard shard, boolean read, ListenerRole role, int readSeq, int slot) {
        if (shard == null) {
            return new Route.Refuse(RoutingErrors.CLUSTERDOWN_UNSERVED);
        }
        if (read && role != ListenerRole.WRITE) {
            List<NodeAddress> replicas = shard.readReplicas();
            if (!replicas.isEmpty()) {
                return new Route.ToNode(replicas.get(Math.floorMod(readSeq, replicas.size())), true, slot);
            }
            if (!rules.fallbackToMaster()) {
                return new Route.Hold("no replica is eligible for reads (read-port.fallback-to-master = false)");
            }
        }
        NodeAddress master = shard.master();
        if (master == null) {
            return new Route.Hold(shard.noMasterReason());
        }
        Route wait = read ? null : tooFewReplicas(shard);
        return wait != null ? wait : new Route.ToNode(master, read, slot);
    }

    /**
     * {@code writes.acknowledge = replicated}: a write waits (as in a failover) while its master has
     * fewer replicas in sync than the policy wants, instead of being acknowledged on the master
     * alone and discarded by the next promotion. Null when the write may go.
     */
    private Route tooFewReplicas(Shard shard) {
        if (rules.minReplicas() == 0) {
            return null;
        }
        int wanted = rules.replicasWanted(shard);
        return shard.replicasInSync() >= wanted ? null
                : new Route.Hold("master " + shard.master() + " has " + shard.replicasInSync() + " of the " + wanted
                        + " replica" + (wanted == 1 ? "" : "s") + " in sync that writes.min-replicas wants");
    }

    /**
     * SCAN walks one node at a time, shards in the order of their lowest slot (the same for every
     * snapshot of one cluster, whatever order its source lists shards in; a static or Sentinel
     * snapshot has one), the shard, the node and that node's cursor carried in the client's
     * cursor ({@link ScanCursor}).
     */
    private Route scan(CommandArgs args, boolean read, ListenerRole role, Topology t, int readSeq) {
        if (args.size() < 2) {
            return toNode(t.primaryShard(), read, role, readSeq); // the node answers the arity error
        }
        ScanCursor at = ScanCursor.parse(args, 1);
        if (at == null) {
            return new Route.Refuse(RoutingErrors.INVALID_CURSOR);
        }
        List<Shard> order = shardsBySlot(t);
        if (at.shard() >= order.size()) {
            return new Route.Refuse(RoutingErrors.SCAN_NODE_GONE);
        }
        Shard shard = order.get(at.shard());
        if (at.nodeCursor() == 0) {
            // The shard's walk starts: on any node that may serve the read, and the cursor names it
            // from then on (by its tag; replicas sharing a tag are not named, the master is).
            Route r = toNode(shard, read, role, readSeq);
            if (!(r instanceof Route.ToNode n)) {
                return r;
            }
            if (n.node().equals(shard.master())) {
                return new Route.Scan(n.node(), new ScanCursor(at.shard(), 0, 0), order.size());
            }
            int tag = ScanCursor.replicaTag(n.node());
            if (replicaTagged(shard, tag) == null) {
                NodeAddress master = shard.master();
                return master == null ? new Route.Hold(shard.noMasterReason())
                        : new Route.Scan(master, new ScanCursor(at.shard(), 0, 0), order.size());
            }
            return new Route.Scan(n.node(), new ScanCursor(at.shard(), tag, 0), order.size());
        }
        // Going on: only the node that issued the cursor knows what it means (hash seeds differ).
        if (at.member() == 0) {
            NodeAddress master = shard.master();
            return master == null ? new Route.Hold(shard.noMasterReason()) : new Route.Scan(master, at, order.size());
        }
        NodeAddress replica = replicaTagged(shard, at.member());
        return replica != null ? new Route.Scan(replica, at, order.size()) : new Route.Refuse(RoutingErrors.SCAN_NODE_GONE);
    }

    /** The one eligible replica of {@code shard} with {@code tag}, or null (none, or two share it). */
    private static NodeAddress replicaTagged(Shard shard, int tag) {
        NodeAddress found = null;
        for (NodeAddress r : shard.readReplicas()) {
            if (ScanCursor.replicaTag(r) == tag) {
                if (found != null) {
                    return null;
                }
                found = r;
            }
        }
        return found;
    }

    /** The shards that own slots, in the order of their lowest slot. */
    static List<Shard> shardsBySlot(Topology t) {
        if (!t.isCluster()) {
            return t.shards();
        }
        List<Shard> order = new ArrayList<>();
        Shard previous = null;
        for (int slot = 0; slot < Topology.SLOTS; slot++) {
            Shard s = t.shardForSlot(slot);
            if (s != null && s != previous && order.stream().noneMatch(o -> o == s)) {
                order.add(s);
            }
            previous = s;
        }
        return order;
    }

    /** SCRIPT KILL / FUNCTION KILL: to the master, where scripts run (every master of a cluster). */
    private Route outOfBand(Topology t) {
        Route masters = fanOut(t, false, false);
        return masters instanceof Route.FanOut f ? new Route.OutOfBand(f.nodes()) : masters;
    }

    private Route fanOut(Topology t, boolean withReplicas, boolean write) {
        List<NodeAddress> nodes = new ArrayList<>();
        for (Shard s : t.shards()) {
            if (s.master() == null) {
                return new Route.Hold(s.noMasterReason());
            }
            Route wait = write ? tooFewReplicas(s) : null;
            if (wait != null) {
                return wait;
            }
            nodes.add(s.master());
            if (withReplicas) {
                nodes.addAll(s.readReplicas());
            }
        }
        return new Route.FanOut(List.copyOf(nodes));
    }

    /**
     * MGET / DEL / MSET...: keys grouped by slot (a cluster node refuses keys of two slots in one
     * command, even when it owns both), each group in request order, groups in order of first key.
     */
    private Route split(CommandSpec spec, CommandArgs args, boolean read, ListenerRole role, Topology t, int seq) {
        int n = spec.keyCount(args);
        if (n <= 0) {
            return n < 0 && !spec.acceptsArgCount(args.size()) ? new Route.Refuse(RoutingErrors.arity(spec))
                    : toNode(t.primaryShard(), read, role, seq); // the node answers a bad key count itself
        }
        int[] keyArgs = new int[n];
        spec.keyIndexes(args, keyArgs);
        int[] slots = new int[n];
        int distinct = 0;
        for (int k = 0; k < n; k++) {
            slots[k] = SlotHash.slot(args, keyArgs[k]);
            if (t.shardForSlot(slots[k]) == null) {
                return new Route.Refuse(RoutingErrors.CLUSTERDOWN_UNSERVED);
            }
            if (indexOf(slots, k, slots[k]) < 0) {
                distinct++;
            }
        }
        if (distinct == 1) {
            return toNode(t.shardForSlot(slots[0]), read, role, seq, slots[0]);
        }
        List<Route.Part> parts = new ArrayList<>(distinct);
        for (int k = 0; k < n; k++) {
            if (indexOf(slots, k, slots[k]) >= 0) {
                continue; // this slot's part was built at its first key
            }
            Route target = toNode(t.shardForSlot(slots[k]), read, role, seq);
            if (!(target instanceof Route.ToNode node)) {
                return target;
            }
            int count = 0;
            for (int j = k; j < n; j++) {
                count += slots[j] == slots[k] ? 1 : 0;
            }
            int[] partArgs = new int[count];
            int[] ordinals = new int[count];
            for (int j = k, i = 0; j < n; j++) {
                if (slots[j] == slots[k]) {
                    partArgs[i] = keyArgs[j];
                    ordinals[i++] = j;
                }
            }
            parts.add(new Route.Part(node.node(), read, partArgs, ordinals));
        }
        return new Route.Split(List.copyOf(parts));
    }

    /** Index of {@code value} among the first {@code end} entries of {@code a}, or -1. */
    private static int indexOf(int[] a, int end, int value) {
        for (int i = 0; i < end; i++) {
            if (a[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
