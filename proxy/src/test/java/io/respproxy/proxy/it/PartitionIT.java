package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.Announce;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisEndpoint;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.SentinelDeployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Network partitions, not process faults (Jepsen's Redis case). The topology's processes reach each
 * other only through the testkit's relays (every node and Sentinel announces a relayed address),
 * the proxy reaches them directly through its {@code nat} map, so a partition can cut the master
 * off from its replicas and the Sentinels while the proxy still reaches it, or cut the proxy off
 * from the Sentinels alone. 4 clients append (2 pipelined) through the write port, under each
 * policy; errors, the longest stall and acknowledged appends lost are counted per write.
 */
class PartitionIT {

    /**
     * The master is cut off from its replicas and the Sentinels, not from the proxy: it answers
     * on, the Sentinels promote a replica, and when the partition heals the old master is demoted
     * and loses what it took meanwhile. Under the default policy the proxy acknowledged those
     * writes until it followed the Sentinels (down-after plus the election); under replicated none
     * was confirmed by a replica, so none was acknowledged: they failed as may-have-been-applied.
     */
    @Test
    void aMasterCutOffFromReplicasAndSentinelsLosesNothingReplicated() throws Exception {
        AppendWorkload.Result async = masterCutOff("", "pa:");
        AppendWorkload.Result replicated = masterCutOff(ReplicatedFailoverIT.REPLICATED, "pr:");
        System.out.println("PartitionIT master cut off, async: " + async);
        System.out.println("PartitionIT master cut off, replicated: " + replicated);
        assertEquals(0, replicated.lost(), "acknowledged appends lost under replicated");
        assertEquals(replicated.maybeApplied(), replicated.errors(), "errors: " + replicated.errorSamples());
        assertEquals(0, replicated.duplicates());
        assertTrue(async.lost() > 0, "the partition makes the default policy lose writes (else this test shows "
                + "nothing): " + async);
    }

    private AppendWorkload.Result masterCutOff(String policy, String prefix) throws Exception {
        try (SentinelDeployment s = natted();
             ProxyFixture proxy = ProxyFixture.sentinelAt(s, SentinelNatIT.announcedSentinels(s),
                     policy + "nat " + SentinelNatIT.exactMap(s))) {
            AppendWorkload w = SentinelFailoverIT.running(proxy, prefix);
            RedisNode old = s.master();
            long cutAt = System.nanoTime();
            s.partition(old);
            RedisNode promoted;
            try {
                promoted = s.awaitNewMaster(old, Duration.ofSeconds(30));
                SentinelFailoverIT.awaitProxyMaster(proxy, promoted);
                System.out.println("PartitionIT (" + name(policy) + "): the proxy wrote to the new master "
                        + (System.nanoTime() - cutAt) / 1_000_000 + " ms after the cut");
                Thread.sleep(1000);
            } finally {
                s.heal(old);
            }
            s.awaitReplicasInSync(Duration.ofSeconds(60));
            Thread.sleep(1000);
            AppendWorkload.Result r = w.stopAndVerify(s.master());
            long reported = proxy.service().stats().discardedBytes.sum();
            System.out.println("PartitionIT master cut off (" + name(policy) + "): the lists miss " + r.lost()
                    + " appends = " + r.lostBytes() + " bytes; the proxy reported " + reported + " bytes discarded");
            return r;
        }
    }

    /**
     * The proxy is cut off from every Sentinel (its routes to them run through relays here), and
     * the Sentinels fail the master over meanwhile: the proxy hears nothing of it. Its role checks
     * (every 100 ms) see the promoted replica say role:master with the master's history, and
     * writes to the old master stop there, and wait (no Sentinel confirms the new one) until the
     * partition heals or the hold times out (-TRYAGAIN). What the old master took between the
     * promotion and that check is lost once it is demoted, under the default policy and under
     * min-replicas = 1 too (the other replica, not yet re-pointed, confirms it); with every
     * replica required, the promoted one confirms nothing more and nothing is lost.
     */
    @Test
    void aProxyCutOffFromTheSentinelsLosesNothingWithEveryReplicaRequired() throws Exception {
        AppendWorkload.Result async = proxyCutOff("", "sa:");
        AppendWorkload.Result one = proxyCutOff(ReplicatedFailoverIT.REPLICATED, "s1:");
        AppendWorkload.Result every = proxyCutOff("writes { acknowledge = replicated, min-replicas = 2 }\n", "s2:");
        System.out.println("PartitionIT proxy cut off from the Sentinels, async: " + async);
        System.out.println("PartitionIT proxy cut off from the Sentinels, replicated, min-replicas = 1: " + one);
        System.out.println("PartitionIT proxy cut off from the Sentinels, replicated, min-replicas = 2: " + every);
        assertEquals(0, every.lost(), "acknowledged appends lost with every replica required");
        assertEquals(every.maybeApplied() + every.refused(), every.errors(), "errors: " + every.errorSamples());
        for (AppendWorkload.Result r : List.of(async, one)) {
            // The role-check window plus scheduling slack on a shared 2-core machine, as StaticFailoverIT.
            assertTrue(r.lost() <= r.perMs() * StaticFailoverIT.WINDOW_MS, "lost " + r.lost()
                    + ", more than the role-check window allows (" + (long) (r.perMs() * StaticFailoverIT.WINDOW_MS)
                    + "): " + r);
            assertEquals(0, r.duplicates());
        }
    }

    private AppendWorkload.Result proxyCutOff(String policy, String prefix) throws Exception {
        try (SentinelDeployment s = natted(); Relays relays = new Relays(s)) {
            try (ProxyFixture proxy = ProxyFixture.sentinelAt(s, SentinelNatIT.announcedSentinels(s),
                    policy + "nat " + relays.map())) {
                AppendWorkload w = SentinelFailoverIT.running(proxy, prefix);
                relays.partition(true);
                RedisNode promoted;
                try {
                    promoted = s.failover(Duration.ofSeconds(30));
                    s.awaitReplicasInSync(Duration.ofSeconds(60));
                    Thread.sleep(2000);
                } finally {
                    relays.partition(false);
                }
                SentinelFailoverIT.awaitProxyMaster(proxy, promoted);
                Thread.sleep(1000);
                AppendWorkload.Result r = w.stopAndVerify(s.master());
                System.out.println("PartitionIT proxy cut off (" + name(policy) + "): the lists miss " + r.lost()
                        + " appends = " + r.lostBytes() + " bytes; the proxy reported "
                        + proxy.service().stats().discardedBytes.sum() + " bytes discarded");
                return r;
            }
        }
    }

    private static String name(String policy) {
        return policy.isEmpty() ? "async" : "replicated";
    }

    /** A master, two replicas, three Sentinels, all announcing port + 10000 (relayed for the inside only). */
    static SentinelDeployment natted() {
        return RedisTopologies.sentinel().password(ProxyFixture.BACKEND_PASSWORD).replicas(2).sentinels(3)
                .announce(Announce.portOffset(10000)).start();
    }

    /**
     * The proxy's own routes to the Sentinels: a relay per Sentinel, which the {@code nat} map sends
     * the proxy through (the data nodes it reaches directly).
     */
    static final class Relays implements AutoCloseable {
        private final Map<RedisEndpoint, RedisEndpoint> map;
        private final List<PortRelay> relays = new ArrayList<>();
        private final List<RedisEndpoint> sentinels;

        Relays(SentinelDeployment s) throws java.io.IOException {
            this.map = s.natMap();
            this.sentinels = s.sentinelAnnouncedEndpoints();
            for (RedisEndpoint announced : sentinels) {
                relays.add(new PortRelay(PortAllocator.shared().allocate(), map.get(announced).port()));
            }
        }

        String map() {
            StringBuilder sb = new StringBuilder("{ ");
            for (Map.Entry<RedisEndpoint, RedisEndpoint> e : map.entrySet()) {
                int i = sentinels.indexOf(e.getKey());
                String to = i >= 0 ? "127.0.0.1:" + relays.get(i).port() : e.getValue().host() + ":" + e.getValue().port();
                sb.append('"').append(e.getKey().host()).append(':').append(e.getKey().port()).append("\" = \"")
                        .append(to).append("\", ");
            }
            return sb.append('}').toString();
        }

        void partition(boolean on) {
            relays.forEach(r -> r.partition(on));
        }

        @Override
        public void close() throws java.io.IOException {
            for (PortRelay r : relays) {
                r.close();
            }
        }
    }
}
