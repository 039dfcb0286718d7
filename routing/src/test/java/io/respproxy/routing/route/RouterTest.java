package io.respproxy.routing.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.slot.SlotHash;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {

    static final CommandTable TABLE = CommandTable.builtin();
    static final NodeAddress M = new NodeAddress("127.0.0.1", 7000);
    static final NodeAddress R1 = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress R2 = new NodeAddress("127.0.0.1", 7002);
    static final NodeAddress M2 = new NodeAddress("127.0.0.1", 7100);
    static final NodeAddress R3 = new NodeAddress("127.0.0.1", 7101);

    static final Topology STATIC = Topology.single(1, Shard.withMaster("s", M, List.of(R1, R2)));
    static final Topology NO_MASTER = Topology.single(2, Shard.withoutMaster("s", List.of(R1), "failover in progress"));
    static final Topology NO_REPLICA = Topology.single(3, Shard.withMaster("s", M, List.of()));

    /** Slots 0..8191 on shard a (M, replica R1), 8192..16383 on shard b (M2, replica R3). */
    static final Topology CLUSTER = cluster(8192, 16384);
    /** As CLUSTER, but slots 12288.. are not served. */
    static final Topology CLUSTER_HOLE = cluster(8192, 12288);

    static Topology cluster(int split, int servedEnd) {
        short[] owner = new short[Topology.SLOTS];
        for (int s = 0; s < Topology.SLOTS; s++) {
            owner[s] = (short) (s < split ? 0 : s < servedEnd ? 1 : -1);
        }
        return Topology.cluster(4, List.of(Shard.withMaster("a", M, List.of(R1)), Shard.withMaster("b", M2, List.of(R3))),
                owner);
    }

    record Client(boolean authenticated, boolean readOnlyUser) implements ClientView {}

    static final Client OPEN = new Client(true, false);

    final Router router = new Router(TABLE, Set.of("FLUSHALL", "CONFIG SET", "DEBUG"), RoutingRules.DEFAULTS);

    Route route(Topology t, ListenerRole role, String... args) {
        return route(router, OPEN, t, role, args);
    }

    static Route route(Router r, ClientView c, Topology t, ListenerRole role, String... args) {
        ArrayCommandArgs a = ArrayCommandArgs.of(args);
        return r.route(r.lookup(a), a, c, role, t, 0);
    }

    static int slot(String key) {
        return SlotHash.slot(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Keys in slot a (< 8192) and slot b (>= 8192), found by hashing. */
    static String keyIn(boolean low, int n) {
        int found = 0;
        for (int i = 0; ; i++) {
            String k = "k" + i;
            int slot = SlotHash.slot(k.getBytes());
            if ((slot < 8192) == low && found++ == n) {
                return k;
            }
        }
    }

    static final String A = keyIn(true, 0);
    static final String A2 = keyIn(true, 1);
    static final String B = keyIn(false, 0);

    /** One command of every shape, with arguments a client would send. */
    static final Map<RoutingShape, String[]> SAMPLES = new EnumMap<>(Map.ofEntries(
            Map.entry(RoutingShape.SINGLE_KEY, new String[] {"GET", A}),
            Map.entry(RoutingShape.SINGLE_SLOT, new String[] {"RENAME", A, A}),
            Map.entry(RoutingShape.KEYLESS, new String[] {"PUBLISH", "c", "m"}),
            Map.entry(RoutingShape.MULTI_KEY_CONCAT, new String[] {"MGET", A, B}),
            Map.entry(RoutingShape.MULTI_KEY_SUM, new String[] {"DEL", A, B}),
            Map.entry(RoutingShape.MULTI_KEY_PAIRS, new String[] {"MSET", A, "1", B, "2"}),
            Map.entry(RoutingShape.ALL_MASTERS, new String[] {"DBSIZE"}),
            Map.entry(RoutingShape.ALL_NODES, new String[] {"SCRIPT", "LOAD", "return 1"}),
            Map.entry(RoutingShape.SCAN, new String[] {"SCAN", "0"}),
            Map.entry(RoutingShape.LOCAL, new String[] {"PING"}),
            Map.entry(RoutingShape.OUT_OF_BAND, new String[] {"SCRIPT", "KILL"}),
            Map.entry(RoutingShape.MULTI, new String[] {"MULTI"}),
            Map.entry(RoutingShape.EXEC, new String[] {"EXEC"}),
            Map.entry(RoutingShape.WATCH, new String[] {"WATCH", A}),
            Map.entry(RoutingShape.UNWATCH, new String[] {"UNWATCH"}),
            Map.entry(RoutingShape.SUBSCRIBE, new String[] {"SUBSCRIBE", "c"}),
            Map.entry(RoutingShape.UNSUBSCRIBE, new String[] {"UNSUBSCRIBE"}),
            Map.entry(RoutingShape.BLOCKING, new String[] {"BLPOP", A, "0"}),
            Map.entry(RoutingShape.MONITOR, new String[] {"MONITOR"}),
            Map.entry(RoutingShape.UNSUPPORTED, new String[] {"SYNC"}),
            Map.entry(RoutingShape.UNKNOWN, new String[] {"NOSUCHCOMMAND", "x"})));

    @Test
    void everyShapeHasASampleOfThatShape() {
        for (RoutingShape shape : RoutingShape.values()) {
            String[] sample = SAMPLES.get(shape);
            assertNotNull(sample, "no sample for " + shape);
            assertEquals(shape, TABLE.lookup(ArrayCommandArgs.of(sample)).shape(), String.join(" ", sample));
        }
    }

    @Test
    void everyTableCommandHasAShapeTheRouterHandles() {
        List<CommandSpec> all = new ArrayList<>();
        for (CommandSpec s : TABLE.commands()) {
            all.add(s);
            all.addAll(s.subcommands());
        }
        Set<RoutingShape> seen = new HashSet<>();
        for (CommandSpec s : all) {
            assertTrue(s.shape() != RoutingShape.UNKNOWN, s.name());
            seen.add(s.shape());
            // The name alone as arguments: the router must decide without throwing, whatever the shape.
            String[] args = s.name().split("\\|");
            ArrayCommandArgs a = ArrayCommandArgs.of(args);
            for (Topology t : List.of(STATIC, NO_MASTER, CLUSTER)) {
                for (ListenerRole role : ListenerRole.values()) {
                    assertNotNull(router.route(s, a, OPEN, role, t, 0), s.name());
                }
            }
        }
        assertEquals(RoutingShape.values().length - 1, seen.size(), "every shape but UNKNOWN is used: " + seen);
    }

    /** Expected route per shape x role on the static snapshot (master M, replicas R1 R2). */
    @Test
    void everyShapeOnEveryListenerOfAStaticSnapshot() {
        for (ListenerRole role : ListenerRole.values()) {
            boolean replicas = role != ListenerRole.WRITE;
            assertEquals(new Route.ToNode(replicas ? R1 : M, true), route(STATIC, role, SAMPLES.get(RoutingShape.SINGLE_KEY)));
            assertEquals(new Route.ToNode(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.SINGLE_SLOT)));
            assertEquals(new Route.ToNode(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.KEYLESS)));
            assertEquals(new Route.ToNode(replicas ? R1 : M, true), route(STATIC, role, SAMPLES.get(RoutingShape.MULTI_KEY_CONCAT)));
            assertEquals(new Route.ToNode(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.MULTI_KEY_SUM)));
            assertEquals(new Route.ToNode(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.MULTI_KEY_PAIRS)));
            assertEquals(new Route.ToNode(replicas ? R1 : M, true), route(STATIC, role, SAMPLES.get(RoutingShape.ALL_MASTERS)));
            assertEquals(new Route.ToNode(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.ALL_NODES)));
            assertEquals(new Route.Scan(replicas ? R1 : M, new ScanCursor(0, replicas ? ScanCursor.replicaTag(R1) : 0, 0), 1),
                    route(STATIC, role, SAMPLES.get(RoutingShape.SCAN)), "its one shard walked, the node in the cursor");
            assertEquals(Route.LOCAL, route(STATIC, role, SAMPLES.get(RoutingShape.LOCAL)));
            assertEquals(new Route.OutOfBand(M), route(STATIC, role, SAMPLES.get(RoutingShape.OUT_OF_BAND)));
            assertEquals(new Route.Pinned(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.MULTI)));
            assertEquals(new Route.Refuse("ERR EXEC without MULTI"), route(STATIC, role, SAMPLES.get(RoutingShape.EXEC)));
            assertEquals(new Route.Pinned(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.WATCH)));
            assertEquals(Route.LOCAL, route(STATIC, role, SAMPLES.get(RoutingShape.UNWATCH)));
            assertEquals(new Route.Pinned(replicas ? R1 : M, true), route(STATIC, role, SAMPLES.get(RoutingShape.SUBSCRIBE)));
            assertEquals(Route.LOCAL, route(STATIC, role, SAMPLES.get(RoutingShape.UNSUBSCRIBE)));
            assertEquals(new Route.Pinned(M, false), route(STATIC, role, SAMPLES.get(RoutingShape.BLOCKING)));
            assertEquals(new Route.Pinned(replicas ? R1 : M, true), route(STATIC, role, SAMPLES.get(RoutingShape.MONITOR)),
                    "MONITOR watches the node the port reads from");
            assertEquals(new Route.Refuse("ERR SYNC is not supported by respproxy (the proxy multiplexes backend connections)"),
                    route(STATIC, role, SAMPLES.get(RoutingShape.UNSUPPORTED)));
            assertEquals(new Route.Refuse("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' "),
                    route(STATIC, role, SAMPLES.get(RoutingShape.UNKNOWN)));
        }
    }

    /** Without a master: writes and pinned commands hold; reads still go to replicas (not on the write port). */
    @Test
    void everyShapeWithoutAMaster() {
        for (ListenerRole role : ListenerRole.values()) {
            boolean replicas = role != ListenerRole.WRITE;
            Route hold = new Route.Hold("failover in progress");
            for (RoutingShape shape : RoutingShape.values()) {
                Route r = route(NO_MASTER, role, SAMPLES.get(shape));
                Route onStatic = route(STATIC, role, SAMPLES.get(shape));
                if (onStatic instanceof Route.ToNode n && n.node().equals(R1) || onStatic instanceof Route.Pinned p && p.node().equals(R1)
                        || onStatic instanceof Route.Scan s && s.node().equals(R1)) {
                    assertEquals(onStatic, r, shape + " " + role + ": reads keep flowing from replicas");
                } else if (onStatic instanceof Route.ToNode || onStatic instanceof Route.Pinned
                        || onStatic instanceof Route.OutOfBand || onStatic instanceof Route.Scan) {
                    assertEquals(hold, r, shape + " " + role);
                } else {
                    assertEquals(onStatic, r, shape + " " + role + ": decided without the topology");
                }
            }
            assertEquals(replicas ? new Route.ToNode(R1, true) : hold, route(NO_MASTER, role, "GET", "k"));
        }
    }

    @Test
    void everyShapeOnEveryListenerOfAClusterSnapshot() {
        for (ListenerRole role : ListenerRole.values()) {
            boolean replicas = role != ListenerRole.WRITE;
            NodeAddress readA = replicas ? R1 : M;
            NodeAddress readB = replicas ? R3 : M2;
            assertEquals(new Route.ToNode(readA, true, slot(A)), route(CLUSTER, role, "GET", A));
            assertEquals(new Route.ToNode(readB, true, slot(B)), route(CLUSTER, role, "GET", B));
            assertEquals(new Route.ToNode(M2, false, slot(B)), route(CLUSTER, role, "SET", B, "v"), "the slot, computed once, goes with it");
            Route.Refuse crossSlot = new Route.Refuse("CROSSSLOT Keys in request don't hash to the same slot");
            assertEquals(crossSlot, route(CLUSTER, role, "RENAME", A, B));
            assertEquals(crossSlot, route(CLUSTER, role, "RENAME", A, A2), "one node, two slots: Redis refuses it too");
            // hash tags put keys in one slot
            assertEquals(new Route.ToNode(M, false, slot(A)), route(CLUSTER, role, "RENAME", "{" + A + "}x", "{" + A + "}y"));
            assertEquals(new Route.ToNode(M, false), route(CLUSTER, role, "PUBLISH", "c", "m"), "keyless: the home shard, slot 0's");
            Route mget = route(CLUSTER, role, "MGET", A, B, A2);
            Route.Split split = assertInstanceOf(Route.Split.class, mget);
            assertEquals(3, split.parts().size(), "one part per slot");
            assertEquals(readA, split.parts().get(0).node());
            assertArrayEquals(new int[] {1}, split.parts().get(0).keyArgs());
            assertEquals(readB, split.parts().get(1).node());
            assertArrayEquals(new int[] {2}, split.parts().get(1).keyArgs());
            assertArrayEquals(new int[] {1}, split.parts().get(1).keyOrdinals());
            assertEquals(readA, split.parts().get(2).node());
            assertArrayEquals(new int[] {3}, split.parts().get(2).keyArgs());
            assertArrayEquals(new int[] {2}, split.parts().get(2).keyOrdinals());
            Route.Split tagged = assertInstanceOf(Route.Split.class,
                    route(CLUSTER, role, "MGET", "{" + A + "}1", B, "{" + A + "}2"));
            assertEquals(2, tagged.parts().size(), "keys of one slot travel together");
            assertArrayEquals(new int[] {1, 3}, tagged.parts().get(0).keyArgs());
            assertArrayEquals(new int[] {0, 2}, tagged.parts().get(0).keyOrdinals());
            Route.Split mset = assertInstanceOf(Route.Split.class, route(CLUSTER, role, "MSET", B, "1", A, "2"));
            assertEquals(M2, mset.parts().get(0).node());
            assertArrayEquals(new int[] {1}, mset.parts().get(0).keyArgs());
            assertEquals(M, mset.parts().get(1).node());
            assertArrayEquals(new int[] {3}, mset.parts().get(1).keyArgs());
            assertEquals(new Route.ToNode(M, false, slot(A)), route(CLUSTER, role, "DEL", "{" + A + "}a", "{" + A + "}b"), "one slot: no split");
            assertInstanceOf(Route.Split.class, route(CLUSTER, role, "DEL", A, A2), "one node, two slots: split");
            assertEquals(new Route.FanOut(List.of(M, M2)), route(CLUSTER, role, "DBSIZE"));
            assertEquals(new Route.FanOut(List.of(M, R1, M2, R3)), route(CLUSTER, role, "SCRIPT", "LOAD", "return 1"));
            assertEquals(new Route.Pinned(M2, false), route(CLUSTER, role, "BLPOP", B, "0"));
            assertEquals(new Route.Refuse("CROSSSLOT Keys in request don't hash to the same slot"),
                    route(CLUSTER, role, "BLPOP", A, B, "0"));
            assertEquals(new Route.Pinned(M2, false), route(CLUSTER, role, "WATCH", B));
            assertEquals(new Route.Pinned(readB, true), route(CLUSTER, role, "SSUBSCRIBE", B));
            assertEquals(new Route.Pinned(M, false), route(CLUSTER, role, "MONITOR"), "the home master (and the others)");
            assertEquals(new Route.Scan(readA, new ScanCursor(0, replicas ? ScanCursor.replicaTag(R1) : 0, 0), 2),
                    route(CLUSTER, role, "SCAN", "0"));
            assertEquals(new Route.ToNode(readA, true, slot(A)), route(CLUSTER, role, "XREAD", "STREAMS", A, "0"),
                    "XREAD without BLOCK is a plain read of one slot");
            assertInstanceOf(Route.ToNode.class, route(CLUSTER, role, "EVAL", "s", "5", A),
                    "numkeys past the arguments: a node, which answers its own error");
            assertInstanceOf(Route.ToNode.class, route(CLUSTER, role, "MSET", A, "1", B),
                    "an odd count of MSET arguments: the node says it");
            // Keys not found because arguments are missing: the node's arity error, which it checks first.
            assertEquals(new Route.Refuse("ERR wrong number of arguments for 'getex' command"), route(CLUSTER, role, "GETEX"));
            assertEquals(new Route.Refuse("ERR wrong number of arguments for 'mset' command"), route(CLUSTER, role, "MSET", A));
            assertEquals(new Route.Refuse("ERR wrong number of arguments for 'lmpop' command"),
                    route(CLUSTER, role, "LMPOP", "1"));
        }
    }

    /** SCAN walks shards in lowest-slot order; the cursor names the shard, the node and its own cursor. */
    @Test
    void scanInAClusterSnapshot() {
        int r1 = ScanCursor.replicaTag(R1);
        String cursorOnR1 = Long.toUnsignedString(new ScanCursor(0, r1, 77).encode());
        String cursorOnM2 = Long.toUnsignedString(new ScanCursor(1, 0, 5).encode());
        assertEquals(new Route.Scan(M, new ScanCursor(0, 0, 0), 2), route(CLUSTER, ListenerRole.WRITE, "SCAN", "0"));
        assertEquals(new Route.Scan(R1, new ScanCursor(0, r1, 0), 2),
                route(CLUSTER, ListenerRole.READ, "SCAN", "0", "MATCH", "k*", "COUNT", "100", "TYPE", "string"));
        assertEquals(new Route.Scan(M2, new ScanCursor(1, 0, 0), 2), route(CLUSTER, ListenerRole.WRITE, "SCAN", "1"),
                "cursor 1: the second shard's start");
        assertEquals(new Route.Scan(R3, new ScanCursor(1, ScanCursor.replicaTag(R3), 0), 2),
                route(CLUSTER, ListenerRole.AUTO, "SCAN", "1"));
        // Going on: back to the node that issued the cursor, whatever the port.
        assertEquals(new Route.Scan(R1, new ScanCursor(0, r1, 77), 2), route(CLUSTER, ListenerRole.WRITE, "SCAN", cursorOnR1));
        assertEquals(new Route.Scan(M2, new ScanCursor(1, 0, 5), 2), route(CLUSTER, ListenerRole.READ, "SCAN", cursorOnM2));

        Route.Refuse invalid = new Route.Refuse("ERR invalid cursor");
        assertEquals(invalid, route(CLUSTER, ListenerRole.WRITE, "SCAN", "x"));
        assertEquals(invalid, route(CLUSTER, ListenerRole.WRITE, "SCAN", "-1"));
        assertEquals(invalid, route(CLUSTER, ListenerRole.WRITE, "SCAN", "18446744073709551616"));
        Route.Refuse gone = new Route.Refuse(RoutingErrors.SCAN_NODE_GONE);
        assertEquals(gone, route(CLUSTER, ListenerRole.WRITE, "SCAN", "2"), "no third shard");
        assertEquals(gone, route(CLUSTER, ListenerRole.WRITE, "SCAN",
                Long.toUnsignedString(new ScanCursor(0, r1 % 255 + 1, 9).encode())), "shard a has no replica with that tag");
        assertEquals(new Route.ToNode(M, true), route(CLUSTER, ListenerRole.WRITE, "SCAN"),
                "no cursor: the node answers Redis's arity error");
    }

    /** A static snapshot's SCAN on the read port stays on the replica that issued the cursor, whatever the round-robin says. */
    @Test
    void scanOfAStaticSnapshotStaysOnTheReplicaOfItsCursor() {
        String onR2 = Long.toUnsignedString(new ScanCursor(0, ScanCursor.replicaTag(R2), 40).encode());
        for (int seq = 0; seq < 4; seq++) {
            ArrayCommandArgs a = ArrayCommandArgs.of("SCAN", onR2, "COUNT", "10");
            assertEquals(new Route.Scan(R2, new ScanCursor(0, ScanCursor.replicaTag(R2), 40), 1),
                    router.route(router.lookup(a), a, OPEN, ListenerRole.READ, STATIC, seq));
            ArrayCommandArgs start = ArrayCommandArgs.of("SCAN", "0");
            assertEquals(seq % 2 == 0 ? R1 : R2,
                    ((Route.Scan) router.route(router.lookup(start), start, OPEN, ListenerRole.READ, STATIC, seq)).node(),
                    "a walk starts on any replica");
        }
        assertEquals(new Route.Refuse(RoutingErrors.SCAN_NODE_GONE), route(NO_REPLICA, ListenerRole.READ, "SCAN", onR2));
        assertEquals(new Route.Refuse(RoutingErrors.INVALID_CURSOR), route(STATIC, ListenerRole.WRITE, "SCAN", "x"));
        assertEquals(new Route.Scan(M, new ScanCursor(0, 0, 0), 1), route(STATIC, ListenerRole.WRITE, "SCAN", "0"));
    }

    @Test
    void scanOrderIsTheShardsLowestSlotNotTheirListOrder() {
        short[] owner = new short[Topology.SLOTS];
        for (int s = 0; s < Topology.SLOTS; s++) {
            owner[s] = (short) (s < 100 ? 1 : s < 8192 ? 0 : s < 9000 ? 2 : 1); // shard 1 owns two ranges
        }
        Topology t = Topology.cluster(6, List.of(Shard.withMaster("x", M, List.of()), Shard.withMaster("y", M2, List.of()),
                Shard.withMaster("z", R3, List.of())), owner);
        assertEquals(new Route.Scan(M2, new ScanCursor(0, 0, 0), 3), route(t, ListenerRole.WRITE, "SCAN", "0"));
        assertEquals(new Route.Scan(M, new ScanCursor(1, 0, 0), 3), route(t, ListenerRole.WRITE, "SCAN", "1"));
        assertEquals(new Route.Scan(R3, new ScanCursor(2, 0, 0), 3), route(t, ListenerRole.WRITE, "SCAN", "2"));
        assertEquals(List.of(t.shards().get(1), t.shards().get(0), t.shards().get(2)), Router.shardsBySlot(t));
        assertEquals(2, Router.shardsBySlot(CLUSTER_HOLE).size(), "unserved slots are skipped");
    }

    @Test
    void scanWithoutAMasterOrReplica() {
        short[] owner = new short[Topology.SLOTS];
        for (int s = 8192; s < Topology.SLOTS; s++) {
            owner[s] = 1;
        }
        Topology t = Topology.cluster(7, List.of(Shard.withMaster("a", M, List.of(R1)),
                Shard.withoutMaster("b", List.of(R3), "shard b fails over")), owner);
        Route.Hold hold = new Route.Hold("shard b fails over");
        assertEquals(hold, route(t, ListenerRole.WRITE, "SCAN", "1"));
        assertEquals(new Route.Scan(R3, new ScanCursor(1, ScanCursor.replicaTag(R3), 0), 2), route(t, ListenerRole.READ, "SCAN", "1"),
                "reads keep flowing from replicas");
        assertEquals(hold, route(t, ListenerRole.READ, "SCAN", Long.toUnsignedString(new ScanCursor(1, 0, 3).encode())),
                "a walk on the master waits for the master");
        Router noFallback = new Router(TABLE, Set.of(), new RoutingRules(false, false));
        Topology noReplica = Topology.cluster(8, List.of(Shard.withMaster("a", M, List.of()),
                Shard.withMaster("b", M2, List.of())), owner);
        assertEquals(new Route.Hold("no replica is eligible for reads (read-port.fallback-to-master = false)"),
                route(noFallback, OPEN, noReplica, ListenerRole.READ, "SCAN", "0"));
        assertEquals(new Route.Scan(M, new ScanCursor(0, 0, 0), 2), route(noReplica, ListenerRole.READ, "SCAN", "0"),
                "fallback to the master");
    }

    /**
     * A walk names its replica by a tag of its address: the walk goes on there whatever the
     * round-robin or the order of the replica list; a replica that stopped serving reads is
     * noticed, not replaced by another.
     */
    @Test
    void scanNamesItsReplicaByAddressNotPosition() {
        List<NodeAddress> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(new NodeAddress("127.0.0.1", 8000 + i));
        }
        short[] all = new short[Topology.SLOTS];
        Topology c = Topology.cluster(9, List.of(Shard.withMaster("a", M, many)), all);
        ArrayCommandArgs scan = ArrayCommandArgs.of("SCAN", "0");
        for (int seq = 0; seq < 40; seq++) {
            Route.Scan r = (Route.Scan) router.route(router.lookup(scan), scan, OPEN, ListenerRole.READ, c, seq);
            int member = r.at().member();
            assertEquals(member == 0 ? M : many.get(seq % 20), r.node(), "a shared tag starts on the master");
            if (member != 0) {
                assertEquals(ScanCursor.replicaTag(r.node()), member);
            }
        }
        NodeAddress chosen = many.get(3);
        String cursor = Long.toUnsignedString(new ScanCursor(0, ScanCursor.replicaTag(chosen), 42).encode());
        List<NodeAddress> reordered = new ArrayList<>(many);
        java.util.Collections.reverse(reordered);
        Topology c2 = Topology.cluster(10, List.of(Shard.withMaster("a", M, reordered)), all);
        assertEquals(chosen, ((Route.Scan) route(c2, ListenerRole.READ, "SCAN", cursor)).node());
        List<NodeAddress> without = new ArrayList<>(many);
        without.remove(chosen);
        Topology c3 = Topology.cluster(11, List.of(Shard.withMaster("a", M, without)), all);
        assertEquals(new Route.Refuse(RoutingErrors.SCAN_NODE_GONE), route(c3, ListenerRole.READ, "SCAN", cursor));
    }

    /**
     * A cluster's keyless commands that are not reads go to one shard, slot 0's, whatever the
     * turn (as they would all reach one Redis); keyless reads spread over the shards.
     */
    @Test
    void keylessWritesAndSubscriptionsGoHomeInACluster() {
        ArrayCommandArgs publish = ArrayCommandArgs.of("PUBLISH", "c", "m");
        ArrayCommandArgs subscribe = ArrayCommandArgs.of("SUBSCRIBE", "c");
        ArrayCommandArgs eval = ArrayCommandArgs.of("EVAL", "return 1", "0");
        ArrayCommandArgs lolwut = ArrayCommandArgs.of("LOLWUT");
        java.util.Set<NodeAddress> reads = new java.util.HashSet<>();
        for (int seq = 0; seq < 4; seq++) {
            assertEquals(new Route.ToNode(M, false), router.route(router.lookup(publish), publish, OPEN, ListenerRole.WRITE,
                    CLUSTER, seq));
            assertEquals(new Route.ToNode(M, false), router.route(router.lookup(eval), eval, OPEN, ListenerRole.WRITE,
                    CLUSTER, seq));
            assertEquals(new Route.Pinned(M, true), router.route(router.lookup(subscribe), subscribe, OPEN,
                    ListenerRole.WRITE, CLUSTER, seq));
            reads.add(((Route.ToNode) router.route(router.lookup(lolwut), lolwut, OPEN, ListenerRole.WRITE, CLUSTER,
                    seq)).node());
        }
        assertEquals(java.util.Set.of(M, M2), reads, "keyless reads spread over the shards");
    }

    /**
     * MULTI has no key: a keyless transaction runs on the home shard's master, the same for every
     * client (as on one Redis); its first key pins it (transactionNode).
     */
    @Test
    void transactionsInAClusterSnapshot() {
        ArrayCommandArgs multi = ArrayCommandArgs.of("MULTI");
        for (int seq = 0; seq < 3; seq++) {
            assertEquals(new Route.Pinned(M, false), router.route(router.lookup(multi), multi, OPEN, ListenerRole.READ, CLUSTER, seq));
        }

        assertEquals(new Route.Pinned(M, false), transactionNode(CLUSTER, "SET", A, "v"));
        assertEquals(new Route.Pinned(M2, false), transactionNode(CLUSTER, "GET", B), "a transaction runs on the master");
        assertEquals(new Route.Pinned(M, false), transactionNode(CLUSTER, "RENAME", "{" + A + "}x", "{" + A + "}y"));
        assertNull(transactionNode(CLUSTER, "PING"), "no key: wherever the transaction runs");
        assertNull(transactionNode(CLUSTER, "EXEC"));
        assertNull(transactionNode(STATIC, "SET", A, "v"), "one shard: nothing to decide");
        assertNull(transactionNode(CLUSTER, "NOSUCH", A), "the node answers its own error");
        for (String[] everyShard : new String[][] {{"FLUSHALL"}, {"DBSIZE"}, {"SCAN", "0"}, {"SCRIPT", "LOAD", "return 1"}}) {
            Route r = transactionNode(CLUSTER, everyShard);
            assertTrue(r instanceof Route.Refuse refuse && refuse.error().contains("would reach one shard"),
                    String.join(" ", everyShard) + ": " + r);
        }
        assertNull(transactionNode(CLUSTER, "GET", A, B), "wrong number of arguments: the node's error");
        Route.Refuse crossSlot = new Route.Refuse(RoutingErrors.CROSSSLOT);
        assertEquals(crossSlot, transactionNode(CLUSTER, "MSET", A, "1", B, "2"), "inside MULTI nothing is split");
        assertEquals(crossSlot, transactionNode(CLUSTER, "MGET", A, A2));
        assertNull(transactionNode(CLUSTER, "EVAL", "s", "5", A), "numkeys past the arguments: queued, the node answers");
        assertEquals(new Route.Pinned(M2, false), transactionNode(CLUSTER, "WATCH", B));
        short[] owner = new short[Topology.SLOTS];
        for (int s = 8192; s < Topology.SLOTS; s++) {
            owner[s] = 1;
        }
        Topology noMaster = Topology.cluster(5, List.of(Shard.withMaster("a", M, List.of(R1)),
                Shard.withoutMaster("b", List.of(R3), "shard b fails over")), owner);
        assertEquals(new Route.Hold("shard b fails over"), transactionNode(noMaster, "GET", B));
    }

    Route transactionNode(Topology t, String... args) {
        ArrayCommandArgs a = ArrayCommandArgs.of(args);
        return router.transactionNode(router.lookup(a), a, t);
    }

    @Test
    void unservedSlotsAnswerClusterdown() {
        String high = null;
        for (int i = 0; high == null; i++) {
            if (SlotHash.slot(("h" + i).getBytes()) >= 12288) {
                high = "h" + i;
            }
        }
        Route.Refuse down = new Route.Refuse("CLUSTERDOWN Hash slot not served");
        assertEquals(down, route(CLUSTER_HOLE, ListenerRole.WRITE, "GET", high));
        assertEquals(down, route(CLUSTER_HOLE, ListenerRole.WRITE, "MGET", A, high));
        assertEquals(new Route.ToNode(M, true, slot(A)), route(CLUSTER_HOLE, ListenerRole.WRITE, "GET", A));
    }

    @Test
    void aShardWithoutMasterHoldsOnlyItsOwnCommands() {
        short[] owner = new short[Topology.SLOTS];
        for (int s = 8192; s < Topology.SLOTS; s++) {
            owner[s] = 1;
        }
        Topology t = Topology.cluster(5, List.of(Shard.withMaster("a", M, List.of(R1)),
                Shard.withoutMaster("b", List.of(), "shard b fails over")), owner);
        assertEquals(new Route.ToNode(M, false, slot(A)), route(t, ListenerRole.WRITE, "SET", A, "v"));
        assertEquals(new Route.Hold("shard b fails over"), route(t, ListenerRole.WRITE, "SET", B, "v"));
        assertEquals(new Route.Hold("shard b fails over"), route(t, ListenerRole.WRITE, "MSET", A, "1", B, "2"));
        assertEquals(new Route.Hold("shard b fails over"), route(t, ListenerRole.WRITE, "FLUSHDB"));
    }

    @Test
    void authenticationComesFirstThenUnknownThenDenyList() {
        Client anonymous = new Client(false, false);
        assertEquals(new Route.Refuse("NOAUTH Authentication required."),
                route(router, anonymous, STATIC, ListenerRole.AUTO, "GET", "k"));
        assertEquals(new Route.Refuse("NOAUTH Authentication required."),
                route(router, anonymous, STATIC, ListenerRole.AUTO, "NOSUCH"));
        assertEquals(Route.LOCAL, route(router, anonymous, STATIC, ListenerRole.AUTO, "AUTH", "pw"));
        assertEquals(Route.LOCAL, route(router, anonymous, STATIC, ListenerRole.AUTO, "HELLO", "3"));
        assertEquals(new Route.Refuse("ERR command 'flushall' is disabled by the proxy (deny-commands)"),
                route(STATIC, ListenerRole.WRITE, "FLUSHALL"));
        assertEquals(new Route.Refuse("ERR command 'config|set' is disabled by the proxy (deny-commands)"),
                route(STATIC, ListenerRole.WRITE, "CONFIG", "SET", "x", "y"));
        assertEquals(new Route.ToNode(M, false), route(STATIC, ListenerRole.WRITE, "CONFIG", "GET", "x"));
        assertEquals(new Route.Refuse("ERR command 'debug' is disabled by the proxy (deny-commands)"),
                route(STATIC, ListenerRole.WRITE, "DEBUG", "SLEEP", "0"));
        assertEquals(new Route.Refuse("ERR command 'config|set' is disabled by the proxy (deny-commands)"),
                route(new Router(TABLE, Set.of("CONFIG"), RoutingRules.DEFAULTS), OPEN, STATIC, ListenerRole.WRITE,
                        "CONFIG", "SET", "x", "y"), "a denied container denies its subcommands");
    }

    @Test
    void readOnlyUsersAndTheReadPortRules() {
        Client reader = new Client(true, true);
        assertEquals(new Route.Refuse("NOPERM User is read-only and has no permissions to run the 'set' command"),
                route(router, reader, STATIC, ListenerRole.WRITE, "SET", "k", "v"));
        assertEquals(new Route.Refuse("NOPERM User is read-only and has no permissions to run the 'blmove' command"),
                route(router, reader, STATIC, ListenerRole.WRITE, "BLMOVE", "a", "b", "LEFT", "LEFT", "0"));
        assertEquals(new Route.ToNode(M, true), route(router, reader, STATIC, ListenerRole.WRITE, "GET", "k"));
        assertEquals(new Route.Pinned(M, false), route(router, reader, STATIC, ListenerRole.WRITE, "MULTI"),
                "a transaction of reads is allowed; its writes are refused inside it");

        Router rejecting = new Router(TABLE, Set.of(), new RoutingRules(true, true));
        assertEquals(new Route.Refuse("READONLY You can't write against a read only replica."),
                route(rejecting, OPEN, STATIC, ListenerRole.READ, "SET", "k", "v"));
        assertEquals(new Route.ToNode(M, false), route(rejecting, OPEN, STATIC, ListenerRole.AUTO, "SET", "k", "v"),
                "the auto port always sends writes to the master");
        assertEquals(new Route.ToNode(M, false), route(router, OPEN, STATIC, ListenerRole.READ, "SET", "k", "v"));
    }

    @Test
    void readsRoundRobinAndFallBackToTheMasterOnlyWhenAllowed() {
        ArrayCommandArgs get = ArrayCommandArgs.of("GET", "k");
        CommandSpec spec = router.lookup(get);
        List<NodeAddress> seen = new ArrayList<>();
        for (int seq = 0; seq < 4; seq++) {
            seen.add(((Route.ToNode) router.route(spec, get, OPEN, ListenerRole.READ, STATIC, seq)).node());
        }
        assertEquals(List.of(R1, R2, R1, R2), seen);
        assertEquals(new Route.ToNode(M, true), route(NO_REPLICA, ListenerRole.READ, "GET", "k"));
        Router noFallback = new Router(TABLE, Set.of(), new RoutingRules(false, false));
        assertEquals(new Route.Hold("no replica is eligible for reads (read-port.fallback-to-master = false)"),
                route(noFallback, OPEN, NO_REPLICA, ListenerRole.READ, "GET", "k"));
        assertEquals(new Route.ToNode(M, true), route(noFallback, OPEN, NO_REPLICA, ListenerRole.WRITE, "GET", "k"),
                "the write port reads from the master");
    }

    @Test
    void xreadBlocksOnlyWithTheBlockOption() {
        assertEquals(new Route.ToNode(R1, true), route(STATIC, ListenerRole.READ, "XREAD", "STREAMS", "s", "0"));
        assertEquals(new Route.Pinned(R1, true), route(STATIC, ListenerRole.READ, "XREAD", "BLOCK", "0", "STREAMS", "s", "0"));
        assertEquals(new Route.Pinned(M, false), route(STATIC, ListenerRole.READ, "WAIT", "1", "0"));
    }

    /** Read or write comes from the table's flags, never from a list of names. */
    @Test
    void readsAndWritesFollowTheTable() {
        assertEquals(new Route.ToNode(R1, true), route(STATIC, ListenerRole.READ, "get", "k"), "any case");
        assertEquals(new Route.ToNode(M, false), route(STATIC, ListenerRole.READ, "XADD", "s", "*", "f", "v"),
                "XADD is a write (Envoy routed it as a read)");
        assertEquals(new Route.ToNode(R1, true), route(STATIC, ListenerRole.READ, "EVAL_RO", "return 1", "0"));
        assertEquals(new Route.ToNode(M, false), route(STATIC, ListenerRole.READ, "EVAL", "return 1", "0"), "EVAL may write");
        assertEquals(new Route.ToNode(M, false), route(STATIC, ListenerRole.READ, "CONFIG", "GET", "maxmemory"),
                "Redis does not flag CONFIG GET readonly: it goes to the master");
    }

    @Test
    void denyingAnUnknownCommandIsAConfigurationError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Router(TABLE, Set.of("NOSUCH"), RoutingRules.DEFAULTS));
        assertTrue(e.getMessage().contains("NOSUCH"));
        assertEquals(new Route.Refuse("ERR command 'acl|setuser' is disabled by the proxy (deny-commands)"),
                route(new Router(TABLE, Set.of("acl setuser"), RoutingRules.DEFAULTS), OPEN, STATIC, ListenerRole.WRITE,
                        "ACL", "SETUSER", "u"), "deny names in any case, subcommands with a space");
    }

    /**
     * writes.acknowledge = replicated: writes of every shape wait while their master has too few
     * replicas in sync, saying why; reads (on either port) and the other shards are unaffected.
     */
    @Test
    void writesWaitForReplicasInSyncUnderTheReplicatedPolicy() {
        Router replicated = new Router(TABLE, Set.of(), new RoutingRules(false, true, 1));
        Shard lagging = Shard.withMaster("s", M, List.of(R1)).withReplicas(0, 1);
        Topology t = Topology.single(20, lagging);
        Route.Hold hold = new Route.Hold("master " + M + " has 0 of the 1 replica in sync that writes.min-replicas wants");
        for (String[] write : new String[][] {{"SET", A, "1"}, {"MSET", A, "1", B, "2"}, {"FLUSHALL"}, {"MULTI"},
                {"BLMOVE", A, B, "LEFT", "RIGHT", "0"}, {"EVAL", "return 1", "0"}}) {
            assertEquals(hold, route(replicated, OPEN, t, ListenerRole.WRITE, write), String.join(" ", write));
        }
        assertEquals(new Route.ToNode(M, true, -1), route(replicated, OPEN, t, ListenerRole.WRITE, "GET", A),
                "a read on the write port still goes to the master");
        assertEquals(new Route.ToNode(R1, true, -1), route(replicated, OPEN, t, ListenerRole.READ, "GET", A));
        assertEquals(new Route.ToNode(M, false, -1),
                route(replicated, OPEN, Topology.single(21, lagging.withReplicas(1, 1)), ListenerRole.WRITE, "SET", A, "1"));
        assertEquals(new Route.ToNode(M, false, -1), route(t, ListenerRole.WRITE, "SET", A, "1"),
                "async (the default) never waits for replicas");

        short[] owner = new short[Topology.SLOTS];
        java.util.Arrays.fill(owner, 8192, Topology.SLOTS, (short) 1);
        Topology cluster = Topology.cluster(22, List.of(Shard.withMaster("a", M, List.of(R1)).withReplicas(1, 1),
                Shard.withMaster("b", M2, List.of(R3)).withReplicas(0, 1)), owner);
        assertEquals(new Route.ToNode(M, false, slot(A)), route(replicated, OPEN, cluster, ListenerRole.WRITE, "SET", A, "1"),
                "a shard whose replica is in sync takes writes");
        assertEquals(new Route.Hold("master " + M2 + " has 0 of the 1 replica in sync that writes.min-replicas wants"),
                route(replicated, OPEN, cluster, ListenerRole.WRITE, "SET", B, "1"));
    }

    /** min-replicas = majority: more than half of master and replicas together, never no replica. */
    @Test
    void majorityCountsTheMasterAmongTheGroup() {
        assertEquals(1, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 0));
        assertEquals(1, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 1));
        assertEquals(1, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 2));
        assertEquals(2, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 3));
        assertEquals(2, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 4));
        assertEquals(3, RoutingRules.replicasWanted(RoutingRules.MAJORITY, 5));
        assertEquals(2, RoutingRules.replicasWanted(2, 5));
        assertEquals(0, RoutingRules.replicasWanted(0, 5));
    }
}
