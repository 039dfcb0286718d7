package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class SentinelIT {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelIT.class);

    /** One deployment for every step: starting three of them would cost more than the steps. */
    @Test
    void sentinelsFailOverOnRequestAndWhenTheMasterDies() {
        long t0 = System.nanoTime();
        SentinelDeployment s = RedisTopologies.sentinel().masterName("mymaster").replicas(2).sentinels(3)
                .aclUser("app", "pw").sentinelCredentials(Credentials.password("spw")).start();
        try (s) {
            LOG.info("master + 2 replicas + 3 sentinels up in {} ms", Clients.millisSince(t0));
            RedisNode first = s.master();
            assertEquals(s.dataNodes().get(0), first);
            assertEquals(3, s.sentinelEndpoints().size());
            assertEquals(NodeRole.SENTINEL, s.sentinels().get(0).role());

            // auth: data nodes and Sentinels both turn anonymous clients away
            assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(first));
            assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(s.sentinels().get(0)));

            // SENTINEL FAILOVER
            long t1 = System.nanoTime();
            RedisNode second = s.failover(Duration.ofSeconds(30));
            LOG.info("SENTINEL FAILOVER: {} -> {} in {} ms", first, second, Clients.millisSince(t1));
            assertNotEquals(first, second);
            assertEquals(NodeRole.MASTER, second.role());

            // kill -9 the master: Sentinels must promote a replica by themselves
            s.awaitReplicasInSync(Duration.ofSeconds(30));
            Clients.with(second.redisUri(), c -> c.set("k", "before-kill"));
            assertEquals(Long.valueOf(2), Clients.with(second.redisUri(), c -> c.waitForReplication(2, 2000)));
            long t2 = System.nanoTime();
            s.kill(second);
            RedisNode third = s.awaitNewMaster(second, Duration.ofSeconds(30));
            LOG.info("master killed: {} -> {} promoted in {} ms (down-after 1000 ms)", second, third,
                    Clients.millisSince(t2));
            assertNotEquals(second, third);
            assertEquals("before-kill", Clients.with(third.redisUri(), c -> c.get("k")));

            // the killed master comes back and Sentinel turns it into a replica of the new one; as
            // in production, it comes back after every Sentinel has listed it as a down replica of
            // the new master (restarting it sooner races the Sentinels' own reconfiguration)
            for (RedisNode sentinel : s.sentinels()) {
                Poll.untilTrue(Duration.ofSeconds(30), sentinel + " to list " + second + " as a down replica",
                        () -> Clients.sentinelReplicaFlags(sentinel, "mymaster", second).contains("s_down"));
            }
            s.restart(second);
            // Sentinel polls a known replica's INFO every 10 s and converts a returning old master
            // only after seeing it claim the role for a while: 2-3 periods, more on a loaded machine.
            s.awaitReplicasInSync(Duration.ofSeconds(60));
            assertEquals(NodeRole.REPLICA, second.role());
            // The returning node stays a replica. Which node is master now is the Sentinels' call:
            // with down-after 1 s, a loaded 2-core machine can starve the new master long enough
            // for a second failover (seen in CI-like runs), which is not what this test is about.
            assertNotEquals(second, s.master());
        }
        assertNoProcessLeft(s);
    }
}
