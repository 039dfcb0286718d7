package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Cluster mode under faults, counted per write: clients append through the proxy (some
 * pipelined) to lists spread over the shards, and at the end every acknowledged append must be
 * in its list. A coordinated CLUSTER FAILOVER and a resharding lose nothing and show the clients
 * no error; a master killed with -9 fails only the writes in flight there, its shard resumes on
 * the promoted replica, and the other shards never stall.
 */
class ClusterFailoverIT {

    /** Appending clients, of which the first {@link #PIPELINED} pipeline by {@link AppendWorkload#PIPELINE}. */
    private static final int CLIENTS = 6;
    private static final int PIPELINED = 2;

    /** On the machine's Redis (7.x) and on the bundled 6.2, whose nodes only know CLUSTER SLOTS. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("io.respproxy.proxy.it.ClusterRoutingIT#binaries")
    void clusterFailoverLosesNothingAndShowsNoError(io.respproxy.testkit.RedisBinary binary) throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().binary(binary).password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            AppendWorkload w = running(proxy, "cf:");
            try (ReadLoad reads = new ReadLoad(proxy.readPort(), "cf:0")) {
                RedisNode master = ownerOf(c, "cf:0");
                RedisNode replica = c.replicasOf(master).get(0);
                c.failover(replica, Duration.ofSeconds(30));
                awaitProxyMaster(proxy, "cf:0", replica);
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                System.out.println("ClusterFailoverIT CLUSTER FAILOVER (" + binary + "): " + r + "; reads: " + reads);
                assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
                assertEquals(0, r.lost(), "acknowledged appends lost");
                assertEquals(0, r.duplicates());
                assertEquals(0, reads.errors(), "read errors: " + reads);
            }
        }
    }

    /**
     * With {@code cluster-require-full-coverage no}: by default (yes) every node answers
     * -CLUSTERDOWN for every slot between the dead master being marked failed and its replica's
     * promotion, and the proxy holds those commands (no error) for that second or so; see
     * {@link #wholeClusterDownIsHeldNotFailed}.
     */
    @Test
    void killedMasterFailsOnlyWritesInFlightAndOtherShardsNeverStall() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD)
                .extraConfig(node -> List.of("cluster-require-full-coverage no")).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            AppendWorkload w = running(proxy, "kf:");
            RedisNode master = ownerOf(c, "kf:0");
            List<RedisNode> itsReplicas = c.replicasOf(master);
            long t0 = System.nanoTime();
            master.kill();
            RedisNode promoted = c.awaitPromotedReplica(master, itsReplicas, Duration.ofSeconds(30));
            awaitProxyMaster(proxy, "kf:0", promoted);
            long failoverMs = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(500);
            AppendWorkload.Result r = stop(w, proxy);
            System.out.println("ClusterFailoverIT kill -9 master (cluster failover took " + failoverMs + " ms): " + r
                    + ", stalls " + r.stallsMs());
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(0, r.duplicates());
            // Only writes in flight at the kill may fail: one per client, a whole pipeline per pipelining client.
            long onKilledShard = 0;
            int inFlightBound = 0;
            for (int i = 0; i < CLIENTS; i++) {
                String key = "kf:" + i;
                boolean killedShard = slotOwnedBy(c, key, promoted);
                if (killedShard) {
                    onKilledShard++;
                    // What was in flight at the kill, and one more round: kill -9 takes a moment, and
                    // the dying process's socket still accepts the client's next write (seen once in
                    // CI: 10 errors where one round allowed 9). Each is "may have been applied".
                    inFlightBound += 2 * (i < PIPELINED ? AppendWorkload.PIPELINE : 1);
                } else {
                    assertTrue(r.stallsMs().get(key) < 1000,
                            key + " is on a shard that kept its master, yet stalled " + r.stallsMs().get(key) + " ms");
                }
            }
            assertTrue(onKilledShard > 0);
            assertTrue(r.errors() <= inFlightBound, "errors beyond the writes in flight: " + r);
            assertEquals(r.errors(), r.maybeApplied(), "every error is a write in flight: " + r.errorSamples());
        }
    }

    /**
     * The default {@code cluster-require-full-coverage yes}: while a killed master is failed and
     * not yet replaced, every node refuses every slot with -CLUSTERDOWN. The proxy holds those
     * commands and sends them again once the cluster serves: the clients of the other shards wait
     * that long but see no error.
     */
    @Test
    void wholeClusterDownIsHeldNotFailed() throws Exception {
        try (RedisCluster c = cluster(); ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            AppendWorkload w = running(proxy, "cd:");
            RedisNode master = ownerOf(c, "cd:0");
            List<RedisNode> itsReplicas = c.replicasOf(master);
            master.kill();
            RedisNode promoted = c.awaitPromotedReplica(master, itsReplicas, Duration.ofSeconds(30));
            awaitProxyMaster(proxy, "cd:0", promoted);
            Thread.sleep(500);
            AppendWorkload.Result r = stop(w, proxy);
            System.out.println("ClusterFailoverIT kill -9 master, full coverage required: " + r + ", stalls "
                    + r.stallsMs());
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(r.errors(), r.maybeApplied(), "every error is a write in flight: " + r.errorSamples());
            assertTrue(r.errors() <= 2 * (PIPELINED * AppendWorkload.PIPELINE + CLIENTS - PIPELINED), r.toString()); // as above
        }
    }

    /**
     * A slot moves from one master to another under load, as {@code redis-cli --cluster reshard}
     * does it (IMPORTING, MIGRATING, MIGRATE key by key, SETSLOT NODE): the clients see -ASK and
     * -MOVED only through the proxy, which follows them; no error, nothing lost. The slot is 0, the
     * lowest of its shard: its master keeps being a master, which is no failover.
     */
    @Test
    void reshardingUnderLoadShowsNoError() throws Exception {
        String tag = tagOfSlot(0);
        try (RedisCluster c = cluster(); ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            AppendWorkload w = running(proxy, "{" + tag + "}:");
            try (ReadLoad reads = new ReadLoad(proxy.readPort(), "{" + tag + "}:0")) {
                int slot = 0;
                RedisNode from = ownerOf(c, "{" + tag + "}:0");
                RedisNode to = c.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
                migrate(c, slot, from, to);
                awaitProxyMaster(proxy, "{" + tag + "}:0", to);
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                long redirects = proxy.service().stats().redirects.sum();
                System.out.println("ClusterFailoverIT resharding slot " + slot + ": " + r + "; reads: " + reads
                        + "; redirects followed: " + redirects);
                assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
                assertEquals(0, r.lost(), "acknowledged appends lost");
                assertEquals(0, r.duplicates());
                assertEquals(0, reads.errors(), "read errors: " + reads);
                assertTrue(redirects > 0, "the proxy followed the cluster's redirects");
                assertEquals(0, proxy.service().stats().failovers.sum(), "a resharding is no failover");
                try (Jedis d = ProxyFixture.direct(to)) {
                    assertTrue(d.llen("{" + tag + "}:0") > 0, "the list lives on " + to + " now");
                }
            }
        }
    }

    /** A hash tag whose keys hash to {@code slot}. */
    private static String tagOfSlot(int slot) {
        for (int i = 0; ; i++) {
            String tag = "t" + i;
            if (SlotHash.slot(tag.getBytes(StandardCharsets.UTF_8)) == slot) {
                return tag;
            }
        }
    }

    /** Moves {@code slot} from {@code from} to {@code to} with its keys, while clients use it. */
    private static void migrate(RedisCluster c, int slot, RedisNode from, RedisNode to) throws InterruptedException {
        String fromId = c.nodeId(from);
        String toId = c.nodeId(to);
        try (Jedis src = ProxyFixture.direct(from); Jedis dst = ProxyFixture.direct(to)) {
            dst.clusterSetSlotImporting(slot, fromId);
            src.clusterSetSlotMigrating(slot, toId);
            Thread.sleep(300); // clients meet -ASK for keys that moved
            List<String> keys;
            while (!(keys = src.clusterGetKeysInSlot(slot, 10)).isEmpty()) {
                for (String k : keys) {
                    src.sendCommand(redis.clients.jedis.Protocol.Command.MIGRATE, "127.0.0.1",
                            Integer.toString(to.port()), k, "0", "5000", "AUTH", ProxyFixture.BACKEND_PASSWORD);
                }
                Thread.sleep(200);
            }
            dst.clusterSetSlotNode(slot, toId);
            src.clusterSetSlotNode(slot, toId);
            for (RedisNode m : c.masters()) {
                if (m != from && m != to) {
                    try (Jedis o = ProxyFixture.direct(m)) {
                        o.clusterSetSlotNode(slot, toId);
                    }
                }
            }
        }
    }

    private static RedisCluster cluster() {
        return RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
    }

    private static AppendWorkload running(ProxyFixture proxy, String prefix) throws InterruptedException {
        AppendWorkload w = new AppendWorkload(proxy.writePort(), CLIENTS, PIPELINED, prefix);
        w.start();
        Thread.sleep(1000);
        assertTrue(w.acked() > 0, "appends go through before the fault");
        return w;
    }

    /** Stops the clients and reads every list back through the proxy's write port (its slot's master). */
    private static AppendWorkload.Result stop(AppendWorkload w, ProxyFixture proxy) throws InterruptedException {
        try (Jedis v = proxy.jedis(proxy.writePort())) {
            return w.stopAndVerify(key -> v.lrange(key, 0, -1));
        }
    }

    /** The master that owns {@code key}'s slot now, as the cluster says. */
    private static RedisNode ownerOf(RedisCluster c, String key) {
        return c.masters().stream().filter(m -> slotOwnedBy(c, key, m)).findFirst().orElseThrow();
    }

    private static boolean slotOwnedBy(RedisCluster c, String key, RedisNode master) {
        int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
        try (Jedis d = ProxyFixture.direct(master)) {
            for (Object range : d.clusterSlots()) {
                List<?> r = (List<?>) range;
                long lo = (Long) r.get(0);
                long hi = (Long) r.get(1);
                long port = (Long) ((List<?>) r.get(2)).get(1);
                if (slot >= lo && slot <= hi) {
                    return port == master.port();
                }
            }
        }
        return false;
    }

    private static void awaitProxyMaster(ProxyFixture proxy, String key, RedisNode expected) {
        int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
        NodeAddress want = new NodeAddress("127.0.0.1", expected.port());
        ProxyFixture.await(Duration.ofSeconds(30), "the proxy to write " + key + " to " + expected, () -> {
            Shard s = proxy.service().topology().shardForSlot(slot);
            return s != null && want.equals(s.master());
        });
    }
}
