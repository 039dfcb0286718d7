package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.SentinelDeployment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The same stalled clients as {@link SlowClientsIT} (pipelines of GETs of 100 KB values never
 * read, subscribers that never read under a publisher), all at once, in Sentinel and cluster
 * mode: the backpressure and the limits are the session's, whatever routes the commands.
 */
class SlowClientsModesIT {

    private static final String SERVICE = "limits.client-output-buffer.pubsub { hard = 1mb, soft = 0 }";

    @Test
    void sentinelMode() throws Exception {
        try (SentinelDeployment s = RedisTopologies.sentinel().password(ProxyFixture.BACKEND_PASSWORD).replicas(1)
                .sentinels(3).start();
             ProxyFixture proxy = ProxyFixture.sentinel(s, SERVICE)) {
            stalledClientsBesideAWellBehavedOne(proxy);
        }
    }

    @Test
    void clusterMode() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, SERVICE)) {
            stalledClientsBesideAWellBehavedOne(proxy);
        }
    }

    private static void stalledClientsBesideAWellBehavedOne(ProxyFixture proxy) throws Exception {
        int port = proxy.writePort();
        try (Jedis j = proxy.jedis(port)) {
            j.set("big", "v".repeat(100 * 1024));
        }
        ListenerStats write = proxy.service().stats().listeners().stream()
                .filter(l -> l.name().equals("write")).findFirst().orElseThrow();
        List<SlowClients.NeverReads> stalled = new ArrayList<>();
        try (SlowClients.WellBehaved good = new SlowClients.WellBehaved(port, "good:{modes}");
             Jedis publisher = proxy.jedis(port)) {
            Thread.sleep(300);
            stalled.addAll(SlowClients.pipelinedGets(port, 10, 5000, "big"));
            stalled.addAll(SlowClients.stalledSubscribers(port, 3, "news"));
            long peak = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            String message = "x".repeat(1024);
            while (write.outputLimitCloses.sum() < 3 && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < 100; i++) {
                    publisher.publish("news", message);
                }
                peak = Math.max(peak, proxy.service().clientMemory().total());
            }
            peak = Math.max(peak, SlowClientsIT.peakClientBuffers(proxy.service().clientMemory(), 1000));
            assertEquals(3, write.outputLimitCloses.sum(), "each stalled subscriber closed at its 1 MB pub/sub limit");
            good.close();
            assertEquals(List.of(), good.errors());
            assertTrue(good.commands() > 50, "the well-behaved client kept going: " + good.commands() + " commands");
            assertTrue(good.slowestMillis() < SlowClients.STALL_BOUND_MILLIS, "slowest well-behaved SET+GET: " + good.slowest());
            assertTrue(peak < 20L << 20, "13 stalled clients held " + (peak >> 10) + " KB in the proxy");
        } finally {
            SlowClients.closeAll(stalled);
        }
    }
}
