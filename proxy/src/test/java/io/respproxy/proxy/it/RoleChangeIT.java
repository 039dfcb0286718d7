package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Roles that change under the proxy while clients write, measured as a client sees it: errors,
 * the longest time one write took, and acknowledged writes missing at the end (each checked on
 * its own).
 */
class RoleChangeIT {

    private static final Logger log = LoggerFactory.getLogger(RoleChangeIT.class);
    private static final int CLIENTS = 4;

    /**
     * A master demoted behind the proxy's back (REPLICAOF, the replica promoted by hand; writes
     * paused on the old master meanwhile so none is acknowledged there after the switch): the
     * writes it refuses with -READONLY go to the new master once the roles are re-learned. The
     * clients see no error and lose nothing.
     */
    @Test
    void writesRefusedWithReadonlyLandOnTheNewMaster() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(1); ProxyFixture proxy = ProxyFixture.start(redis)) {
            RedisNode oldMaster = redis.master();
            RedisNode newMaster = redis.replicas().get(0);
            AppendWorkload load = new AppendWorkload(proxy.writePort(), CLIENTS, "ro:");
            load.start();
            ProxyFixture.await(Duration.ofSeconds(10), "writes to flow", () -> load.acked() > 200);
            long switchStart = System.nanoTime();
            try (Jedis a = ProxyFixture.direct(oldMaster); Jedis b = ProxyFixture.direct(newMaster)) {
                a.clientPause(5000, ClientPauseMode.WRITE);
                ProxyFixture.await(Duration.ofSeconds(5), "the replica to have every write",
                        () -> offset(a, "master_repl_offset") == offset(b, "master_repl_offset"));
                b.replicaofNoOne();
                a.replicaof("127.0.0.1", newMaster.port());
                a.clientUnpause();
            }
            NodeAddress expected = new NodeAddress("127.0.0.1", newMaster.port());
            ProxyFixture.await(Duration.ofSeconds(10), "the proxy to take " + expected + " for the master",
                    () -> expected.equals(proxy.service().topology().primaryShard().master()));
            long acked = load.acked();
            ProxyFixture.await(Duration.ofSeconds(10), "writes to flow to the new master", () -> load.acked() > acked + 200);
            AppendWorkload.Result r = load.stopAndVerify(newMaster);
            log.info("READONLY re-send, {} clients: {} (switch to end {} ms)", CLIENTS, r,
                    (System.nanoTime() - switchStart) / 1_000_000);
            try (Jedis a = ProxyFixture.direct(oldMaster)) {
                assertTrue(rejectedCalls(a.info("commandstats"), "rpush") > 0,
                        "the old master refused writes with -READONLY (the path under test ran)");
            }
            assertEquals(0, r.errors(), "clients see no error: " + r.errorSamples());
            assertEquals(0, r.lost(), "acknowledged appends lost");
            assertEquals(0, r.duplicates() + r.outOfOrder(), "appends applied twice or out of order");
            assertEquals(0, proxy.service().stats().heldCommands.get(), "nothing is left held");
        }
    }

    /**
     * The master stops (SIGSTOP) under load and a replica is promoted by hand: commands wait while
     * there is no master and then complete on the new one, in order, each once. Only the writes in
     * flight on the stopped master when it stopped may fail, and they say they may have been applied.
     */
    @Test
    void commandsHeldWhileTheMasterIsStoppedCompleteOnThePromotedReplica() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(2);
             ProxyFixture proxy = ProxyFixture.start(redis, "backend.command-timeout = 1s\nfailover.hold-timeout = 20s")) {
            RedisNode oldMaster = redis.master();
            RedisNode promoted = redis.replicas().get(0);
            RedisNode other = redis.replicas().get(1);
            long perConnection = commandsForOneConnection(proxy);
            long processedBefore = proxy.service().stats().commandsProcessed.sum();
            AppendWorkload load = new AppendWorkload(proxy.writePort(), CLIENTS, "hold:");
            load.start();
            ProxyFixture.await(Duration.ofSeconds(10), "writes to flow", () -> load.acked() > 200);
            try (Jedis a = ProxyFixture.direct(oldMaster)) {
                // Replicas that just finished their first sync may still be fed from the master's
                // buffer: wait until they acknowledged everything so far, so what a promotion loses
                // below is only what the stop itself cut off.
                assertEquals(2, a.waitReplicas(2, 5000));
            }
            oldMaster.pause();
            long stopStart = System.nanoTime();
            try {
                ProxyFixture.await(Duration.ofSeconds(10), "the proxy to see no master",
                        () -> !proxy.service().topology().primaryShard().hasMaster());
                ProxyFixture.await(Duration.ofSeconds(10), "writes to be held",
                        () -> proxy.service().stats().heldCommands.get() > 0);
                long ackedWhileHeld = load.acked();
                Thread.sleep(300);
                assertEquals(ackedWhileHeld, load.acked(), "nothing is acknowledged while there is no master");
                try (Jedis p = ProxyFixture.direct(promoted); Jedis o = ProxyFixture.direct(other)) {
                    // Let the replica apply what reached it before it stops listening to the old
                    // master (what Sentinel's promotion does not wait for either).
                    long[] last = {-1};
                    ProxyFixture.await(Duration.ofSeconds(10), "the replica's offset to settle", () -> {
                        long now = offset(p, "master_repl_offset");
                        boolean settled = now == last[0];
                        last[0] = now;
                        sleepQuietly(200);
                        return settled;
                    });
                    p.replicaofNoOne();
                    o.replicaof("127.0.0.1", promoted.port());
                }
                NodeAddress expected = new NodeAddress("127.0.0.1", promoted.port());
                ProxyFixture.await(Duration.ofSeconds(10), "the proxy to take " + expected + " for the master",
                        () -> expected.equals(proxy.service().topology().primaryShard().master()));
                ProxyFixture.await(Duration.ofSeconds(10), "held writes to complete", () -> load.acked() > ackedWhileHeld + 200);
            } finally {
                oldMaster.resume();
            }
            try (Jedis a = ProxyFixture.direct(oldMaster)) {
                a.replicaof("127.0.0.1", promoted.port()); // what Sentinel would do: its late writes are discarded
            }
            AppendWorkload.Result r = load.stopAndVerify(promoted);
            log.info("SIGSTOP + manual promotion, {} clients: {} (stop to end {} ms)", CLIENTS, r,
                    (System.nanoTime() - stopStart) / 1_000_000);
            assertTrue(r.errors() <= CLIENTS && r.errors() == r.maybeApplied(),
                    "only the writes in flight at the stop may fail, and they say they may have been applied: "
                            + r.errorSamples());
            // A write the old master acknowledged but had not yet sent to its replicas when it stopped
            // is lost on any promotion (asynchronous replication): at most one per client here, as
            // each client waits for its acknowledgement. Nothing the proxy held may be lost.
            assertTrue(r.lost() <= CLIENTS, "acknowledged appends lost: " + r);
            assertEquals(0, r.duplicates() + r.outOfOrder(), "held appends applied twice or out of order");
            assertEquals(0, proxy.service().stats().heldCommands.get(), "nothing is left held");
            long processed = proxy.service().stats().commandsProcessed.sum() - processedBefore;
            assertEquals(r.sent() + r.connections() * (perConnection - 1), processed,
                    "every command counted once, however long it was held");
        }
    }

    /** With nobody to promote, a held write gets -TRYAGAIN once failover.hold-timeout has passed. */
    @Test
    void holdTimeoutGivesTryagain() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(0);
             ProxyFixture proxy = ProxyFixture.start(redis, "failover.hold-timeout = 1s")) {
            redis.master().pause();
            try (RawClient c = new RawClient(proxy.writePort())) {
                ProxyFixture.await(Duration.ofSeconds(10), "the proxy to see no master",
                        () -> !proxy.service().topology().primaryShard().hasMaster());
                long start = System.nanoTime();
                c.send(RawClient.command("SET", "k", "v"));
                String reply = c.readReply();
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertTrue(reply.startsWith("-TRYAGAIN failover in progress: no node to serve this command after waiting up to 1000 ms"),
                        reply);
                assertTrue(waited >= 900 && waited < 5000, "answered after the hold timeout, not before: " + waited + " ms");
                c.send(RawClient.command("PING"));
                assertEquals("+PONG", c.readReply(), "the connection stays usable");
            } finally {
                redis.master().resume();
            }
            assertEquals(1, proxy.service().stats().holdTimeouts.sum());
            assertEquals(0, proxy.service().stats().heldCommands.get());
        }
    }

    /**
     * EXEC (or a command while WATCHing) runs on a static or Sentinel master only while it is the
     * published one. Inside MULTI on the master, the master freezes (SIGSTOP): health takes it
     * down, there is no master, and EXEC waits as writes do instead of going to the frozen
     * master's socket. A replica is promoted by hand: EXEC is answered EXECABORT, not run on the
     * old master (which would, once resumed, still take it as a master and drop it when demoted).
     * The client's connection stays usable, on the new master.
     */
    @Test
    void anExecWaitsForTheMasterAndIsDiscardedWhenAnotherOneTakesOver() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(1);
             ProxyFixture proxy = ProxyFixture.start(redis, "failover.hold-timeout = 30s");
             RawClient client = new RawClient(proxy.writePort())) {
            RedisNode oldMaster = redis.master();
            RedisNode promoted = redis.replicas().get(0);
            client.send(RawClient.command("MULTI") + RawClient.command("SET", "tx:left", "applied"));
            assertEquals("+OK", client.readReply());
            assertEquals("+QUEUED", client.readReply());

            oldMaster.pause();
            try {
                ProxyFixture.await(Duration.ofSeconds(20), "the proxy to lose its master",
                        () -> proxy.service().topology().primaryShard().master() == null);
                client.send(RawClient.command("EXEC"));
                client.socket().setSoTimeout(1000);
                assertThrows(java.net.SocketTimeoutException.class, client::readReply, "EXEC waits for a master");
                client.socket().setSoTimeout(20_000);
                try (Jedis b = ProxyFixture.direct(promoted)) {
                    b.replicaofNoOne();
                }
                String reply = client.readReply();
                assertTrue(reply.startsWith("-EXECABORT"), reply);
            } finally {
                oldMaster.resume();
            }
            try (Jedis a = ProxyFixture.direct(oldMaster)) {
                assertEquals("master", a.role().get(0), "the old master still takes writes: the path under test ran");
                assertEquals(null, a.get("tx:left"), "the transaction ran on the old master");
            }
            client.send(RawClient.command("SET", "tx:after", "new-master"));
            assertEquals("+OK", client.readReply());
            try (Jedis b = ProxyFixture.direct(promoted)) {
                assertEquals("new-master", b.get("tx:after"));
            }
            assertEquals(0, proxy.service().stats().heldCommands.get(), "the EXEC's hold ended");
        }
    }

    /** Commands the proxy counts for one Jedis connection that sends one RPUSH (Jedis's own set-up included). */
    private static long commandsForOneConnection(ProxyFixture proxy) {
        long before = proxy.service().stats().commandsProcessed.sum();
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.rpush("probe", "1");
        }
        return proxy.service().stats().commandsProcessed.sum() - before;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long offset(Jedis j, String field) {
        Matcher m = Pattern.compile(field + ":(\\d+)").matcher(j.info("replication"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long rejectedCalls(String commandstats, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":[^\\r\\n]*rejected_calls=(\\d+)").matcher(commandstats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /**
     * A pipelined client's writes stay in order across a master change, and a re-sent write keeps
     * the db it was sent in: SET k 1 is stuck on the old master (paused), the new master is
     * published, SELECT 1 and SET k 2 follow; the first SET comes back -READONLY and goes to the
     * new master in db 0, before SET k 2, which waits for it.
     */
    @Test
    void writesKeepTheirOrderAndDbAcrossAMasterChange() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(1); ProxyFixture proxy = ProxyFixture.start(redis);
             RawClient c = new RawClient(proxy.writePort());
             Jedis a = ProxyFixture.direct(redis.master()); Jedis b = ProxyFixture.direct(redis.replicas().get(0))) {
            RedisNode newMaster = redis.replicas().get(0);
            a.clientPause(10_000, ClientPauseMode.WRITE);
            c.send(RawClient.command("SET", "order:k", "1") + RawClient.command("SET", "order:k", "1b"));
            Thread.sleep(200); // both wait on the paused old master
            b.replicaofNoOne();
            NodeAddress expected = new NodeAddress("127.0.0.1", newMaster.port());
            ProxyFixture.await(Duration.ofSeconds(10), "the proxy to take " + expected + " for the master",
                    () -> expected.equals(proxy.service().topology().primaryShard().master()));
            c.send(RawClient.command("SET", "order:k", "2") + RawClient.command("SELECT", "1")
                    + RawClient.command("SET", "order:db1", "x"));
            Thread.sleep(200);
            a.replicaof("127.0.0.1", newMaster.port());
            a.clientUnpause();
            for (int i = 0; i < 3; i++) {
                assertEquals("+OK", c.readReply(), "SET " + i);
            }
            assertEquals("+OK", c.readReply(), "SELECT");
            assertEquals("+OK", c.readReply(), "SET in db 1");
            assertEquals("2", b.get("order:k"), "the last write wins: none overtook an earlier one");
            b.select(1);
            assertEquals("x", b.get("order:db1"));
            assertEquals(null, b.get("order:k"), "the re-sent writes stayed in db 0");
        }
    }
}
