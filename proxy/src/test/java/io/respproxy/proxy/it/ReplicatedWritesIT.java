package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.backend.NodeStats;
import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code writes.acknowledge = replicated} in front of a master and one replica: a client is told
 * OK only once the replica has its write, writes wait while no replica is in sync, and a write no
 * replica confirms in time is answered -NOREPLICAS (the master applied it). Reads never wait.
 */
class ReplicatedWritesIT {

    static final String POLICY = "writes { acknowledge = replicated, min-replicas = 1, replica-timeout = 200ms }\n";

    /**
     * Every kind of write (plain, pipelined, a transaction, a script, a blocking pop) is answered
     * as Redis would, once the replica has it: the replica holds the value when the client sees OK.
     * One WAIT covers a pipeline, not one per command.
     */
    @Test
    void everyKindOfWriteIsAnsweredOnceTheReplicaHasIt() throws Exception {
        try (ReplicatedRedis redis = replicated(); ProxyFixture proxy = ProxyFixture.start(redis, POLICY);
             Jedis c = proxy.jedis(proxy.writePort()); Jedis replica = ProxyFixture.direct(redis.replicas().get(0))) {
            NodeStats master = proxy.service().backendStats().node(node(redis.master()));
            assertEquals("OK", c.set("rw:a", "1"));
            assertEquals("1", replica.get("rw:a"), "the replica has an acknowledged write");
            long waits = master.replicationWaits.sum();
            Pipeline p = c.pipelined();
            List<Response<Long>> pushed = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                pushed.add(p.rpush("rw:list", Integer.toString(i)));
            }
            p.sync();
            assertEquals(100L, pushed.get(99).get());
            assertEquals(100L, replica.llen("rw:list"));
            long pipelineWaits = master.replicationWaits.sum() - waits;
            assertTrue(pipelineWaits >= 1 && pipelineWaits < 50, pipelineWaits + " WAITs for a pipeline of 100 writes");

            Transaction t = c.multi();
            t.incr("rw:n");
            t.incr("rw:n");
            assertEquals(List.of(1L, 2L), t.exec());
            assertEquals("2", replica.get("rw:n"));
            assertEquals(3L, c.eval("return redis.call('INCR', KEYS[1])", 1, "rw:n"));
            assertEquals("3", replica.get("rw:n"));
            c.rpush("rw:q", "x");
            assertEquals(List.of("rw:q", "x"), c.blpop(1, "rw:q"));
            assertEquals(0L, replica.llen("rw:q"), "the pop reached the replica");
            assertThrows(JedisDataException.class, () -> c.incr("rw:list"), "a refused write is answered at once");
            assertEquals("1", c.get("rw:a"));
            assertEquals(0, master.unconfirmedWrites.sum());
        }
    }

    /**
     * A replica that stops answering (SIGSTOP): the master still lists it, so writes go; none is
     * confirmed, the client waits while the proxy asks again, and past failover.hold-timeout gets
     * -NOREPLICAS; the master did apply it. A write still waiting when the replica resumes is
     * answered OK.
     */
    @Test
    void aWriteNoReplicaConfirmsInTimeGetsNoReplicasAndOneConfirmedLateSucceeds() throws Exception {
        try (ReplicatedRedis redis = replicated();
             ProxyFixture proxy = ProxyFixture.start(redis, POLICY + "failover.hold-timeout = 1500ms\n");
             Jedis c = proxy.jedis(proxy.writePort()); Jedis master = ProxyFixture.direct(redis.master())) {
            assertEquals("OK", c.set("nr:a", "0"));
            RedisNode replica = redis.replicas().get(0);
            replica.pause();
            try {
                long start = System.nanoTime();
                JedisDataException e = assertThrows(JedisDataException.class, () -> c.set("nr:a", "1"));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(e.getMessage().startsWith("NOREPLICAS 127.0.0.1:" + redis.master().port()
                        + " applied the write, but 0 of the 1 replica writes.min-replicas wants confirmed it within 1500 ms; "
                        + "the command may have been applied, and a failover may discard it"), e.getMessage());
                assertTrue(ms >= 1400 && ms < 4000, "answered after " + ms + " ms");
                assertEquals("1", master.get("nr:a"), "the master applied it");
                assertEquals(1, proxy.service().backendStats().node(node(redis.master())).unconfirmedWrites.sum());

                CompletableFuture<String> late = CompletableFuture.supplyAsync(() -> {
                    try (Jedis d = proxy.jedis(proxy.writePort())) {
                        return d.set("nr:b", "2");
                    }
                });
                Thread.sleep(500);
                assertTrue(!late.isDone(), "no OK while the replica is frozen");
                replica.resume();
                assertEquals("OK", late.get(5, TimeUnit.SECONDS));
            } finally {
                if (replica.isPaused()) {
                    replica.resume();
                }
            }
            try (Jedis r = ProxyFixture.direct(replica)) {
                assertEquals("2", r.get("nr:b"));
            }
        }
    }

    /**
     * No replica in sync (killed: the master drops it at once): writes are held in the proxy, not
     * sent (the master does not have them), past hold-timeout they get -TRYAGAIN saying why;
     * reads go on. Once a replica is back in sync, a held write goes through.
     */
    @Test
    void writesWaitWhileNoReplicaIsInSyncAndReadsGoOn() throws Exception {
        try (ReplicatedRedis redis = replicated();
             ProxyFixture proxy = ProxyFixture.start(redis, POLICY + "failover.hold-timeout = 2s\n");
             Jedis c = proxy.jedis(proxy.writePort()); Jedis reader = proxy.jedis(proxy.readPort());
             Jedis master = ProxyFixture.direct(redis.master())) {
            assertEquals("OK", c.set("ns:a", "0"));
            RedisNode replica = redis.replicas().get(0);
            replica.kill();
            // (The replica's death first puts the master's role in doubt: no master for a moment.)
            ProxyFixture.await(Duration.ofSeconds(10), "the master, with no replica in sync", () -> {
                var shard = proxy.service().topology().primaryShard();
                return shard.hasMaster() && shard.replicasInSync() == 0;
            });
            JedisDataException e = assertThrows(JedisDataException.class, () -> c.set("ns:a", "1"));
            assertEquals("TRYAGAIN failover in progress: no node to serve this command after waiting up to 2000 ms "
                    + "(master 127.0.0.1:" + redis.master().port() + " has 0 of the 1 replica in sync that "
                    + "writes.min-replicas wants)", e.getMessage());
            assertEquals("0", master.get("ns:a"), "a held write was not sent");
            long start = System.nanoTime();
            assertEquals("0", reader.get("ns:a"), "reads do not wait");
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500));

            CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
                try (Jedis d = proxy.jedis(proxy.writePort())) {
                    return d.set("ns:b", "2");
                }
            });
            Thread.sleep(300);
            assertNull(master.get("ns:b"), "held, not sent");
            replica.restart();
            assertEquals("OK", held.get(10, TimeUnit.SECONDS));
            try (Jedis r = ProxyFixture.direct(replica)) {
                assertEquals("2", r.get("ns:b"));
            }
        }
    }

    static ReplicatedRedis replicated() {
        return RedisTopologies.replicated().password(ProxyFixture.BACKEND_PASSWORD).replicas(1).start();
    }

    static NodeAddress node(RedisNode n) {
        return new NodeAddress("127.0.0.1", n.port());
    }
}
