package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisStandalone;
import io.respproxy.testkit.RedisTopologies;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The prober against a real redis-server: role checks, and a node that kills its clients is reported. */
class NodeProberIT {

    @Test
    void roleCheckAndServerCloseAreSeen() throws Exception {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        LinkedBlockingQueue<NodeAddress> closed = new LinkedBlockingQueue<>();
        try (RedisStandalone redis = RedisTopologies.standalone().password("pw").start();
             NodeProber prober = new NodeProber(resources, Duration.ofSeconds(1), Duration.ofMillis(300), null, "pw".toCharArray(), closed::add)) {
            NodeAddress node = new NodeAddress("127.0.0.1", redis.node().port());
            ProbeResult probe = prober.probe(node).get(5, TimeUnit.SECONDS);
            assertTrue(probe.ok(), probe.failure());
            assertEquals(ReplicationInfo.Role.MASTER, probe.replication().role());
            assertTrue(probe.replication().replid() != null, "master_replid parsed");
            ProbeResult role = prober.roleCheck(node).get(5, TimeUnit.SECONDS);
            assertTrue(role.ok(), role.failure());
            assertEquals(probe.replication().replid(), role.replication().replid());

            // What Sentinel does to a node it reconfigures: our connection is killed by the server.
            RedisClient admin = RedisClient.create(resources, redis.redisUri());
            try (StatefulRedisConnection<String, String> c = admin.connect()) {
                c.sync().clientKill(io.lettuce.core.KillArgs.Builder.typeNormal().skipme());
            } finally {
                admin.shutdown();
            }
            assertEquals(node, closed.poll(5, TimeUnit.SECONDS), "the server closing the prober's connections is reported");
            NodeAddress second = closed.poll(500, TimeUnit.MILLISECONDS);
            assertTrue(second == null || second.equals(node), "once per connection (probe, role check): " + second);
            assertTrue(prober.roleCheck(node).get(5, TimeUnit.SECONDS).ok(), "and the next check dials again");
            assertTrue(prober.probe(node).get(5, TimeUnit.SECONDS).ok());
            assertEquals(null, closed.poll(200, TimeUnit.MILLISECONDS), "nothing more: our own redials are not reports");
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** A node busy with a script answers -BUSY: alive (SCRIPT KILL can reach it), so the probe says up. */
    @Test
    void aNodeRunningAScriptIsBusyNotDown() throws Exception {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        try (RedisStandalone redis = RedisTopologies.standalone().start();
             NodeProber prober = new NodeProber(resources, Duration.ofSeconds(1), Duration.ofMillis(300), null, null, n -> { })) {
            NodeAddress node = new NodeAddress("127.0.0.1", redis.node().port());
            RedisClient admin = RedisClient.create(resources, redis.redisUri());
            try (StatefulRedisConnection<String, String> c = admin.connect();
                 StatefulRedisConnection<String, String> spinner = admin.connect()) {
                c.sync().configSet(redis.binary().version().isAtLeast(7, 0) ? "busy-reply-threshold" : "lua-time-limit", "50");
                spinner.async().eval("while true do end", io.lettuce.core.ScriptOutputType.STATUS);
                Thread.sleep(200);
                ProbeResult probe = prober.probe(node).get(5, TimeUnit.SECONDS);
                assertTrue(probe.ok(), "busy is alive: " + probe.failure());
                assertTrue(probe.failure() != null && probe.failure().startsWith("BUSY"), probe.failure());
                assertEquals(null, probe.replication(), "no new facts from a busy node");
                c.sync().scriptKill();
            } finally {
                admin.shutdown();
            }
            // SCRIPT KILL only flags the script: Redis stops it at the script's next hook, so a probe
            // sent right after the OK can still meet -BUSY. Facts must come back within a moment.
            ProbeResult after = prober.probe(node).get(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (after.replication() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
                after = prober.probe(node).get(5, TimeUnit.SECONDS);
            }
            assertTrue(after.replication() != null, "facts again once the script is killed: " + after.failure());
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
