package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.SentinelDeployment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code mode = sentinel} under continuous appends through the write port while the Sentinels
 * fail the master over: the proxy follows what a majority of them say, verified by the node, and
 * holds writes from the moment a failover starts until the new master is verified. Every
 * acknowledged append must be on the final master.
 */
class SentinelFailoverIT {

    static final int CLIENTS = 4;

    @Test
    void sentinelFailoverShowsNoErrorAndLosesNothing() throws Exception {
        try (SentinelDeployment s = sentinel(); ProxyFixture proxy = ProxyFixture.sentinel(s, "")) {
            AppendWorkload w = running(proxy, "sf:");
            RedisNode promoted = s.failover(Duration.ofSeconds(30));
            awaitProxyMaster(proxy, promoted);
            s.awaitReplicasInSync(Duration.ofSeconds(30));
            Thread.sleep(1000);
            AppendWorkload.Result r = w.stopAndVerify(s.master());
            System.out.println("SentinelFailoverIT SENTINEL FAILOVER: " + r);
            assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(0, r.duplicates());
        }
    }

    static SentinelDeployment sentinel() {
        return RedisTopologies.sentinel().password(ProxyFixture.BACKEND_PASSWORD).replicas(2).sentinels(3).start();
    }

    /** Clients appending, and a second of acknowledged appends before the fault. */
    static AppendWorkload running(ProxyFixture proxy, String prefix) throws InterruptedException {
        AppendWorkload w = new AppendWorkload(proxy.writePort(), CLIENTS, prefix);
        w.start();
        Thread.sleep(1000);
        assertTrue(w.acked() > 0, "appends go through before the fault");
        return w;
    }

    static void awaitProxyMaster(ProxyFixture proxy, RedisNode expected) {
        NodeAddress want = new NodeAddress("127.0.0.1", expected.port());
        ProxyFixture.await(Duration.ofSeconds(30), "the proxy to write to " + expected,
                () -> want.equals(proxy.service().topology().primaryShard().master()));
    }
}
