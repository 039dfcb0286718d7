package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ReplicatedIT {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedIT.class);

    @Test
    void replicasFollowTheMasterAndAnnounceWhatTheCallerSays() {
        long t0 = System.nanoTime();
        ReplicatedRedis r = RedisTopologies.replicated().replicas(2).password("pw")
                // The NAT hook: replicas announce a port of the caller's choosing.
                .extraConfig(node -> node.name().startsWith("replica")
                        ? List.of("replica-announce-ip 127.0.0.1", "replica-announce-port " + (node.port() + 1))
                        : List.of())
                .start();
        try (r) {
            LOG.info("master + 2 replicas up in {} ms", Clients.millisSince(t0));
            assertEquals(NodeRole.MASTER, r.master().role());
            for (RedisNode replica : r.replicas()) {
                assertEquals(NodeRole.REPLICA, replica.role());
            }
            Clients.with(r.master().redisUri(), c -> c.set("k", "v"));
            Clients.with(r.master().redisUri(), c -> c.waitForReplication(2, 2000));
            assertEquals("v", Clients.with(r.replicas().get(0).redisUri(), c -> c.get("k")));

            String info = Clients.with(r.master().redisUri(), c -> c.info("replication"));
            for (RedisNode replica : r.replicas()) {
                assertTrue(info.contains("port=" + (replica.port() + 1)), info);
            }
            r.awaitReplicasInSync(Duration.ofSeconds(10));
        }
        assertNoProcessLeft(r);
    }
}
