package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import redis.clients.jedis.Jedis;

/**
 * What the cluster fault ITs share: clients appending through a proxy in front of a
 * {@link RedisCluster} before the fault, the wait for the proxy to write a key's slot to the node
 * that serves it after, and the count of what the clients saw once they stop. Which master serves
 * a key, failing it over and moving a slot are the cluster's own ({@link RedisCluster#masterOf},
 * {@link RedisCluster#failover}, {@link RedisCluster#moveSlot}).
 */
final class ClusterUnderLoad {

    /** Appending clients, of which the first {@link #PIPELINED} pipeline by {@link AppendWorkload#PIPELINE}. */
    static final int CLIENTS = 6;
    static final int PIPELINED = 2;

    private ClusterUnderLoad() {
    }

    /**
     * {@link #CLIENTS} clients appending to {@code prefix}0, {@code prefix}1, ... through the
     * proxy's write port, and a second of acknowledged appends before the fault.
     */
    static AppendWorkload running(ProxyFixture proxy, String prefix) throws InterruptedException {
        return AppendWorkload.running(proxy.writePort(), CLIENTS, PIPELINED, prefix);
    }

    /** Stops the clients and reads every list back through the proxy's write port (its slot's master). */
    static AppendWorkload.Result stop(AppendWorkload w, ProxyFixture proxy) throws InterruptedException {
        try (Jedis v = proxy.jedis(proxy.writePort())) {
            return w.stopAndVerify(key -> v.lrange(key, 0, -1));
        }
    }

    /**
     * What a lossless fault shows: no client error, every acknowledged append in its list once,
     * no read error.
     */
    static void assertNoErrorNothingLost(AppendWorkload.Result r, ReadLoad reads) {
        assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
        assertEquals(0, r.lost(), "acknowledged appends lost");
        assertEquals(0, r.duplicates());
        assertEquals(0, reads.errors(), "read errors: " + reads);
    }

    /**
     * CLUSTER FAILOVER (coordinated, lossless) of {@code key}'s master to its first replica, and
     * the wait until the proxy writes {@code key} there.
     *
     * @return the new master
     */
    static RedisNode failOverMasterOf(RedisCluster c, ProxyFixture proxy, String key) {
        RedisNode replica = c.replicasOf(c.masterOf(key)).get(0);
        c.failover(replica, Duration.ofSeconds(30));
        awaitProxyMaster(proxy, key, replica);
        return replica;
    }

    /** Waits (30 s at most) until the proxy writes {@code key}'s slot to {@code expected}. */
    static void awaitProxyMaster(ProxyFixture proxy, String key, RedisNode expected) {
        int slot = slot(key);
        NodeAddress want = new NodeAddress("127.0.0.1", expected.port());
        ProxyFixture.await(Duration.ofSeconds(30), "the proxy to write " + key + " to " + expected, () -> {
            Shard s = proxy.service().topology().shardForSlot(slot);
            return s != null && want.equals(s.master());
        });
    }

    static int slot(String key) {
        return SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
    }

    /** A hash tag whose keys hash to {@code slot}. */
    static String tagOfSlot(int slot) {
        for (int i = 0; ; i++) {
            String tag = "t" + i;
            if (slot(tag) == slot) {
                return tag;
            }
        }
    }
}
