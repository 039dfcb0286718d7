package io.respproxy.proxy.it;

import static io.respproxy.proxy.it.ClusterUnderLoad.CLIENTS;
import static io.respproxy.proxy.it.ClusterUnderLoad.PIPELINED;
import static io.respproxy.proxy.it.ClusterUnderLoad.awaitProxyMaster;
import static io.respproxy.proxy.it.ClusterUnderLoad.failOverMasterOf;
import static io.respproxy.proxy.it.ClusterUnderLoad.running;
import static io.respproxy.proxy.it.ClusterUnderLoad.stop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.backend.NodeStats;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code writes.acknowledge = replicated} in cluster mode (3 masters, a replica each): each shard's
 * writes are confirmed by its own replica (one WAIT per connection to that master and batch), and
 * a CLUSTER FAILOVER or a master killed with -9 loses no acknowledged append.
 */
class ReplicatedClusterIT {

    @Test
    void clusterFailoverLosesNothingAndEveryShardConfirmsItsOwnWrites() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, ReplicatedFailoverIT.REPLICATED)) {
            AppendWorkload w = running(proxy, "rc:");
            failOverMasterOf(c, proxy, "rc:0");
            Thread.sleep(500);
            AppendWorkload.Result r = stop(w, proxy);
            System.out.println("ReplicatedClusterIT CLUSTER FAILOVER, replicated: " + r);
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(r.maybeApplied(), r.errors(), "errors: " + r.errorSamples());
            assertEquals(0, r.duplicates());
            for (RedisNode m : c.masters()) {
                NodeStats n = proxy.service().backendStats().node(new io.respproxy.routing.NodeAddress("127.0.0.1", m.port()));
                assertTrue(n.replicationWaits.sum() > 0, m + " confirmed no write");
            }
        }
    }

    @Test
    void killedMasterLosesNothingAcknowledged() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD)
                .extraConfig(node -> List.of("cluster-require-full-coverage no")).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, ReplicatedFailoverIT.REPLICATED)) {
            AppendWorkload w = running(proxy, "rk:");
            RedisNode master = c.masterOf("rk:0");
            List<RedisNode> itsReplicas = c.replicasOf(master);
            master.kill();
            RedisNode promoted = c.awaitPromotedReplica(master, itsReplicas, Duration.ofSeconds(30));
            awaitProxyMaster(proxy, "rk:0", promoted);
            Thread.sleep(500);
            AppendWorkload.Result r = stop(w, proxy);
            System.out.println("ReplicatedClusterIT kill -9 of a master, replicated: " + r + ", stalls " + r.stallsMs());
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(0, r.duplicates());
            // The killed shard's writes in flight (and one more round, as ClusterFailoverIT says), and
            // those waiting there for a replica in sync once the promoted one had none: nothing else.
            int inFlightBound = 0;
            for (int i = 0; i < CLIENTS; i++) {
                if (c.masterOf("rk:" + i) == promoted) {
                    inFlightBound += 2 * (i < PIPELINED ? AppendWorkload.PIPELINE : 1);
                }
            }
            assertTrue(r.maybeApplied() <= inFlightBound, "errors beyond the writes in flight: " + r);
            assertEquals(r.errors(), r.maybeApplied() + r.refused(), "every error is a write in flight or refused: "
                    + r.errorSamples());
        }
    }
}
