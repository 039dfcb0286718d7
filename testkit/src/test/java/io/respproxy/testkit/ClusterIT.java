package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterIT.class);

    @Test
    void clusterComesUpFailsOverAndTakesTheOldMasterBack() {
        long t0 = System.nanoTime();
        RedisCluster c = RedisTopologies.cluster().mastersCount(3).replicasPerMaster(1).password("pw").start();
        try (c) {
            LOG.info("6-node cluster up in {} ms ({})", Clients.millisSince(t0), c.binary());
            assertEquals(6, c.nodes().size());
            assertEquals(3, c.masters().size());
            assertEquals(3, c.replicas().size());
            writeAndReadThroughClusterClient(c, "before");

            for (RedisNode n : c.nodes()) {
                assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(n));
            }

            // kill -9 a master: its replica takes over and the cluster is ok again
            RedisNode master = c.masters().get(0);
            List<RedisNode> itsReplicas = c.replicasOf(master);
            assertEquals(1, itsReplicas.size());
            long t1 = System.nanoTime();
            c.kill(master);
            RedisNode promoted = c.awaitPromotedReplica(master, itsReplicas, Duration.ofSeconds(30));
            LOG.info("cluster master killed: {} promoted, cluster_state:ok after {} ms (node timeout 2000 ms)",
                    promoted, Clients.millisSince(t1));
            assertEquals(itsReplicas.get(0), promoted);
            writeAndReadThroughClusterClient(c, "after-kill");

            // the old master restarts from its dir (nodes.conf) and rejoins as a replica
            long t2 = System.nanoTime();
            c.restart(master);
            c.awaitStable(Duration.ofSeconds(30));
            // It starts as the master its nodes.conf remembers and turns replica once it learns the
            // newer config epoch: the others may agree before it does.
            Poll.untilTrue(Duration.ofSeconds(30), master + " to rejoin as a replica", () -> master.role() == NodeRole.REPLICA);
            LOG.info("old master rejoined in {} ms", Clients.millisSince(t2));

            // CLUSTER FAILOVER hands mastership back
            long t3 = System.nanoTime();
            c.failover(master, Duration.ofSeconds(30));
            LOG.info("CLUSTER FAILOVER took {} ms", Clients.millisSince(t3));
            assertEquals(NodeRole.MASTER, master.role());
            // the demoted master learns the new epoch from the cluster bus a moment later
            Poll.untilTrue(Duration.ofSeconds(30), promoted + " to step down", () -> promoted.role() == NodeRole.REPLICA);
        }
        assertNoProcessLeft(c);
    }

    @Test
    void pausedClusterMasterIsFailedOverAndResumesAsReplica() {
        RedisCluster c = RedisTopologies.cluster().aclUser("app", "pw").start();
        try (c) {
            RedisNode master = c.masters().get(1);
            List<RedisNode> itsReplicas = c.replicasOf(master);
            c.pause(master);
            assertTrue(!master.ping(Duration.ofMillis(500)), "a SIGSTOPped node must not answer");
            RedisNode promoted = c.awaitPromotedReplica(master, itsReplicas, Duration.ofSeconds(30));
            c.resume(master);
            c.awaitStable(Duration.ofSeconds(30));
            Poll.untilTrue(Duration.ofSeconds(30), master + " to rejoin as a replica", () -> master.role() == NodeRole.REPLICA);
            assertEquals(NodeRole.MASTER, promoted.role());
        }
        assertNoProcessLeft(c);
    }

    /** A slot moves with its keys (more than one MIGRATE batch) to another master; the replicas hold them. */
    @Test
    void aSlotMovesWithItsKeysToAnotherMaster() {
        RedisCluster c = RedisTopologies.cluster().aclUser("app", "pw").start();
        try (c) {
            Map<String, String> kv = writeOneSlot(c, "moved");
            RedisNode from = c.masterOf("{moved}0");
            c.awaitReplicaKeys(kv.size(), Duration.ofSeconds(10));
            RedisNode to = c.masters().stream().filter(m -> m != from).findFirst().orElseThrow();

            int slot = SlotHash.getSlot("{moved}0");
            c.moveSlot(slot, from, to);
            assertEquals(to, c.masterOf("{moved}0"));
            for (RedisNode m : c.masters()) {
                if (m != to) {
                    RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class,
                            () -> Clients.with(m.redisUri(), cmd -> cmd.get("{moved}0")));
                    assertEquals("MOVED " + slot + " 127.0.0.1:" + to.port(), e.getMessage(), m + " knows");
                }
            }
            long left = Clients.with(from.redisUri(), cmd -> cmd.dbsize());
            long arrived = Clients.with(to.redisUri(), cmd -> cmd.dbsize());
            assertEquals(0, left);
            assertEquals(kv.size(), arrived);
            kv.forEach((k, v) -> assertEquals(v, Clients.with(to.redisUri(), cmd -> cmd.get(k)), k));
            c.awaitReplicaKeys(kv.size(), Duration.ofSeconds(10));
        }
        assertNoProcessLeft(c);
    }

    /**
     * A fourth master joins (every node lists it), takes a slot with its keys, gives it back and
     * leaves: no node lists it any more, its process is gone, and the cluster is as before.
     */
    @Test
    void aMasterJoinsTakesASlotAndLeaves() {
        RedisCluster c = RedisTopologies.cluster().aclUser("app", "pw").start();
        long addedPid;
        try (c) {
            Map<String, String> kv = writeOneSlot(c, "scale");
            RedisNode owner = c.masterOf("{scale}0");

            long t0 = System.nanoTime();
            RedisNode added = c.addMaster();
            LOG.info("{} joined in {} ms", added, Clients.millisSince(t0));
            addedPid = added.pid();
            assertEquals(7, c.nodes().size());
            assertEquals(4, c.masters().size());
            assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(added));
            String id = c.nodeId(added);
            for (RedisNode n : c.nodes()) {
                ClusterNodesLine l = ClusterBootstrap.nodesSeenBy(n).stream().filter(x -> id.equals(x.id()))
                        .findFirst().orElseThrow(() -> new AssertionError(n + " does not list " + added));
                assertTrue(l.isMaster() && !l.isUnsettled() && l.slots().isEmpty(), n + " lists " + l);
            }

            int slot = SlotHash.getSlot("{scale}0");
            c.moveSlot(slot, owner, added);
            assertEquals(added, c.masterOf("{scale}0"));
            kv.forEach((k, v) -> assertEquals(v, Clients.with(added.redisUri(), cmd -> cmd.get(k)), k));
            c.awaitStable(Duration.ofSeconds(30));
            assertThrows(IllegalStateException.class, () -> c.removeNode(added), "it still serves a slot");
            assertEquals(7, c.nodes().size());

            c.moveSlot(slot, added, owner);
            long t1 = System.nanoTime();
            c.removeNode(added);
            LOG.info("{} left in {} ms", added, Clients.millisSince(t1));
            assertTrue(!added.isRunning());
            assertTrue(ProcessHandle.of(addedPid).map(p -> !p.isAlive()).orElse(true), "pid " + addedPid + " is gone");
            assertEquals(6, c.nodes().size());
            assertTrue(!c.nodes().contains(added));
            assertTrue(c.startedPids().contains(addedPid));
            for (RedisNode n : c.nodes()) {
                assertTrue(ClusterBootstrap.nodesSeenBy(n).stream().noneMatch(l -> id.equals(l.id())), n + " forgot it");
            }
            c.awaitStable(Duration.ofSeconds(30));
            kv.forEach((k, v) -> assertEquals(v, Clients.with(owner.redisUri(), cmd -> cmd.get(k)), k));
            writeAndReadThroughClusterClient(c, "after-scale");
        }
        assertNoProcessLeft(c);
        assertTrue(c.startedPids().contains(addedPid));
    }

    /** 25 keys of one slot, {@code {tag}0} = {@code v0} and on, written to the master that serves it. */
    private static Map<String, String> writeOneSlot(RedisCluster c, String tag) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 0; i < 25; i++) {
            kv.put("{" + tag + "}" + i, "v" + i);
        }
        RedisNode owner = c.masterOf("{" + tag + "}0");
        assertEquals("OK", Clients.with(owner.redisUri(), cmd -> cmd.mset(kv)));
        return kv;
    }

    private static void writeAndReadThroughClusterClient(RedisCluster c, String value) {
        RedisClusterClient client = RedisClusterClient.create(c.nodes().stream()
                .filter(RedisNode::isRunning).map(RedisNode::redisUri).toList());
        try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
            // keys in different slots, so every master is written to
            Map<String, String> kv = Map.of("{a}k", value, "{b}k", value, "{c}k", value);
            kv.forEach(conn.sync()::set);
            kv.forEach((k, v) -> assertEquals(v, conn.sync().get(k)));
        } finally {
            client.shutdown();
        }
    }
}
