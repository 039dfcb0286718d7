package io.respproxy.proxy.it;

import static io.respproxy.proxy.it.ClusterUnderLoad.assertNoErrorNothingLost;
import static io.respproxy.proxy.it.ClusterUnderLoad.awaitProxyMaster;
import static io.respproxy.proxy.it.ClusterUnderLoad.running;
import static io.respproxy.proxy.it.ClusterUnderLoad.slot;
import static io.respproxy.proxy.it.ClusterUnderLoad.stop;
import static io.respproxy.proxy.it.ClusterUnderLoad.tagOfSlot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.respproxy.proxy.server.StrictJson;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

/**
 * A cluster scaled out and back in under load, as the clients of the proxy see it: a fourth
 * master joins and takes slots that hold the clients' lists (one from each shard, and slot 0, the
 * lowest of its shard, which {@code redis-cli --cluster reshard} takes first) while they append to
 * them; the proxy follows the redirects, then sends those slots straight to the new node. The
 * slots go back, the proxy stops watching the node as soon as it serves none, and the node leaves
 * the cluster. The clients see no error, every acknowledged append is in its list, through the
 * write port and the read port alike, and no move counts as a failover.
 */
class ClusterScaleIT {

    /** On the machine's Redis (7.x) and on the bundled 6.2, whose nodes only know CLUSTER SLOTS. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.respproxy.proxy.it.ClusterRoutingIT#binaries")
    void aMasterJoinsTakesSlotsUnderLoadAndLeavesWithoutClientErrors(RedisBinary binary) throws Exception {
        String tag = tagOfSlot(0);
        try (RedisCluster c = RedisTopologies.cluster().binary(binary).password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            ServiceRuntime.ServiceStats stats = proxy.service().stats();
            AppendWorkload spread = running(proxy, "sc:");
            AppendWorkload lowest = AppendWorkload.running(proxy.writePort(), 1, 0, "{" + tag + "}:");
            try (ReadLoad reads = new ReadLoad(proxy.readPort(), "{" + tag + "}:0")) {
                long t0 = System.nanoTime();
                RedisNode added = c.addMaster();
                long joinMs = millisSince(t0);

                Map<String, RedisNode> moving = keysToMove(c, spread.keys(), "{" + tag + "}:0");
                long t1 = System.nanoTime();
                moving.forEach((key, from) -> c.moveSlot(slot(key), from, added));
                moving.keySet().forEach(key -> awaitProxyMaster(proxy, key, added));
                long outMs = millisSince(t1);
                JsonObject out = topology(proxy);
                Set<Integer> servedThere = slotsOf(out, added);
                moving.keySet().forEach(key -> assertTrue(servedThere.contains(slot(key)),
                        "/topology gives " + key + "'s slot to " + added + ": " + out));

                // Settled: the moved slots' commands go to the new node, with no redirect on the way.
                Thread.sleep(1000);
                long redirectsBefore = stats.redirects.sum();
                long rpushBefore = RoutingIT.calls(added, "rpush");
                Thread.sleep(1000);
                long steadyRedirects = stats.redirects.sum() - redirectsBefore;
                long rpushThere = RoutingIT.calls(added, "rpush") - rpushBefore;
                assertEquals(0, steadyRedirects, "redirects once the moved slots had settled on " + added);
                assertTrue(rpushThere > 0, added + " took the appends to its slots directly");

                long t2 = System.nanoTime();
                moving.forEach((key, to) -> c.moveSlot(slot(key), added, to));
                long t3 = System.nanoTime();
                moving.forEach((key, to) -> awaitProxyMaster(proxy, key, to));
                long backMs = millisSince(t2);
                // A master without slots is in no view the proxy routes by: it stops watching it at once.
                ProxyFixture.await(Duration.ofSeconds(10), "/topology to drop " + added + " once it serves no slot",
                        () -> !lists(topology(proxy), added));
                long droppedMs = millisSince(t3);
                long t4 = System.nanoTime();
                c.removeNode(added);
                long removeMs = millisSince(t4);

                Thread.sleep(500);
                boolean listedAfterRemoval = lists(topology(proxy), added);
                spread.stop();
                lowest.stop();
                AppendWorkload.Result r = stop(spread, proxy);
                AppendWorkload.Result r0 = stop(lowest, proxy);
                System.out.printf("ClusterScaleIT (%s): %s joined in %d ms; %d slots %s moved to it in %d ms and back"
                                + " in %d ms; dropped from /topology %d ms after its last slot went back; removed in"
                                + " %d ms; redirects followed: %d"
                                + " (%d -ASK), none once settled (%d appends went straight there in 1 s); clients: %s;"
                                + " slot 0's client: %s; stalls %s; reads: %s%n", binary, added, joinMs, moving.size(),
                        moving.keySet(), outMs, backMs, droppedMs, removeMs, stats.redirects.sum(),
                        stats.askRedirects.sum(), rpushThere, r, r0, r.stallsMs(), reads);
                assertFalse(listedAfterRemoval, added + " left the cluster, yet /topology lists it");
                assertNoErrorNothingLost(r, reads);
                assertNoErrorNothingLost(r0, reads);
                assertTrue(stats.redirects.sum() > 0, "the proxy followed the cluster's redirects");
                assertEquals(0, stats.failovers.sum(), "moving slots to a node and back is no failover");
                List<String> keys = new ArrayList<>(spread.keys());
                keys.addAll(lowest.keys());
                assertReadPortServesWhatWasWritten(proxy, keys);
            }
        }
    }

    /**
     * Keys whose slots move, each with the master that serves it now: the first of {@code keys} on
     * each master, and {@code lowestKey}.
     */
    private static Map<String, RedisNode> keysToMove(RedisCluster c, List<String> keys, String lowestKey) {
        Map<String, RedisNode> out = new LinkedHashMap<>();
        Set<RedisNode> taken = new HashSet<>();
        for (String k : keys) {
            RedisNode m = c.masterOf(k);
            if (taken.add(m)) {
                out.put(k, m);
            }
        }
        // Last: it goes back last, and the node it leaves then serves nothing.
        out.put(lowestKey, c.masterOf(lowestKey));
        return out;
    }

    /** Every list as the read port serves it (once the replicas caught up) is the write port's. */
    private static void assertReadPortServesWhatWasWritten(ProxyFixture proxy, List<String> keys) {
        try (Jedis w = proxy.jedis(proxy.writePort()); Jedis r = proxy.jedis(proxy.readPort())) {
            for (String k : keys) {
                List<String> written = w.lrange(k, 0, -1);
                assertFalse(written.isEmpty(), k);
                ProxyFixture.await(Duration.ofSeconds(10), k + " through the read port as written",
                        () -> written.equals(r.lrange(k, 0, -1)));
            }
        }
    }

    /** The service's object in the admin port's /topology. */
    private static JsonObject topology(ProxyFixture proxy) {
        return StrictJson.parse(proxy.topologyJson()).getAsJsonObject().getAsJsonObject("services")
                .getAsJsonObject("s1");
    }

    /** The slots /topology gives to the shard {@code master} serves. */
    private static Set<Integer> slotsOf(JsonObject t, RedisNode master) {
        Set<Integer> slots = new HashSet<>();
        for (JsonElement e : t.getAsJsonArray("shards")) {
            JsonObject s = e.getAsJsonObject();
            if (isMaster(s, master)) {
                for (JsonElement range : s.getAsJsonArray("slots")) {
                    int from = range.getAsJsonArray().get(0).getAsInt();
                    int to = range.getAsJsonArray().get(1).getAsInt();
                    for (int slot = from; slot <= to; slot++) {
                        slots.add(slot);
                    }
                }
            }
        }
        return slots;
    }

    /** True when /topology names {@code node}: as a shard's master or replica, or among the watched nodes. */
    private static boolean lists(JsonObject t, RedisNode node) {
        String a = address(node);
        for (JsonElement e : t.getAsJsonArray("shards")) {
            JsonObject s = e.getAsJsonObject();
            if (isMaster(s, node)) {
                return true;
            }
            for (JsonElement r : s.getAsJsonArray("replicas")) {
                if (a.equals(r.getAsJsonObject().get("node").getAsString())) {
                    return true;
                }
            }
        }
        for (JsonElement n : t.getAsJsonArray("nodes")) {
            if (a.equals(n.getAsJsonObject().get("node").getAsString())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMaster(JsonObject shard, RedisNode node) {
        JsonElement m = shard.get("master");
        return !m.isJsonNull() && address(node).equals(m.getAsString());
    }

    private static String address(RedisNode n) {
        return "127.0.0.1:" + n.port();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
