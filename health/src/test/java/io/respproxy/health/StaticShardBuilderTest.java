package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticShardBuilderTest {

    static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);

    final StaticShardBuilder builder = new StaticShardBuilder(
            new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 1000));

    static String masterInfo(String... replicaLines) {
        StringBuilder sb = new StringBuilder("# Replication\r\nrole:master\r\nconnected_slaves:" + replicaLines.length + "\r\n");
        for (int i = 0; i < replicaLines.length; i++) {
            sb.append("slave").append(i).append(':').append(replicaLines[i]).append("\r\n");
        }
        return sb.append("master_repl_offset:5000\r\n").toString();
    }

    static String replicaInfo(String link, int syncing) {
        return "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7001\r\nmaster_link_status:" + link
                + "\r\nmaster_sync_in_progress:" + syncing + "\r\nslave_repl_offset:4990\r\n";
    }

    static NodeState up(NodeAddress a, String info) {
        return new NodeState(a, true, ReplicationInfo.parse(info), null);
    }

    @Test
    void parsesReplicationInfo() {
        ReplicationInfo m = ReplicationInfo.parse(masterInfo("ip=127.0.0.1,port=7002,state=online,offset=4990,lag=0"));
        assertEquals(ReplicationInfo.Role.MASTER, m.role());
        assertEquals(5000, m.offset());
        assertEquals(4990, m.replica("127.0.0.1", 7002).offset());
        ReplicationInfo r = ReplicationInfo.parse(replicaInfo("up", 0));
        assertEquals(ReplicationInfo.Role.REPLICA, r.role());
        assertTrue(r.masterLinkUp());
        assertEquals(7001, r.masterPort());
        assertEquals(4990, r.offset());
    }

    /**
     * The master died: its replicas' links are down. Until the lag limit has passed since, they
     * still serve reads (their data is as fresh as the limit allows), so reads need not wait for
     * the failover; after it, or never connected (-1), they do not.
     */
    @Test
    void replicasOfADeadMasterServeReadsWithinTheLagLimit() {
        NodeState dead = new NodeState(A, false, null, "connection refused");
        String justLost = replicaInfo("down", 0) + "master_link_down_since_seconds:2\r\n";
        String longLost = replicaInfo("down", 0) + "master_link_down_since_seconds:11\r\n";
        String never = replicaInfo("down", 0) + "master_link_down_since_seconds:-1\r\n";
        assertEquals(2, ReplicationInfo.parse(justLost).linkDownSeconds());
        Shard s = builder.build("svc", List.of(dead, up(B, justLost), up(C, longLost)));
        assertEquals(List.of(B), s.readReplicas());
        assertFalse(builder.replicaEligible(up(C, never), null));
        assertFalse(builder.replicaEligible(up(B, replicaInfo("down", 1) + "master_link_down_since_seconds:0\r\n"), null),
                "a replica in a full sync has no dataset to read");
    }

    @Test
    void oneMasterAndEligibleReplicas() {
        Shard s = builder.build("svc", List.of(
                up(A, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=4990,lag=0",
                        "ip=127.0.0.1,port=7003,state=online,offset=4990,lag=30")),
                up(B, replicaInfo("up", 0)),
                up(C, replicaInfo("up", 0))));
        assertEquals(A, s.master());
        assertEquals(List.of(B), s.readReplicas(), "C lags 30 s > 10 s and serves no reads");
    }

    @Test
    void replicaWithLinkDownOrSyncingOrTooFarBehindServesNoReads() {
        Shard s = builder.build("svc", List.of(
                up(A, masterInfo("ip=127.0.0.1,port=7003,state=online,offset=1000,lag=0")),
                up(B, replicaInfo("down", 0)),
                up(C, replicaInfo("up", 0))));
        assertEquals(List.of(), s.readReplicas(), "B link down; C is 4000 bytes behind, limit 1000");
        Shard syncing = builder.build("svc", List.of(up(A, masterInfo()), up(B, replicaInfo("up", 1))));
        assertEquals(List.of(), syncing.readReplicas());
    }

    @Test
    void replicaTheMasterDoesNotListIsJudgedByItsOwnLink() {
        Shard s = builder.build("svc", List.of(up(A, masterInfo()), up(B, replicaInfo("up", 0))));
        assertEquals(List.of(B), s.readReplicas());
    }

    @Test
    void twoMastersMeansNoWritesAnywhere() {
        Shard s = builder.build("svc", List.of(up(A, masterInfo()), up(B, masterInfo()), up(C, replicaInfo("up", 0))));
        assertFalse(s.hasMaster());
        assertNull(s.master());
        assertTrue(s.noMasterReason().contains("127.0.0.1:7001") && s.noMasterReason().contains("127.0.0.1:7002"),
                s.noMasterReason());
        assertEquals(List.of(C), s.readReplicas());
    }

    @Test
    void downNodesAreIgnored() {
        NodeState downMaster = new NodeState(A, false, ReplicationInfo.parse(masterInfo()), "timeout");
        Shard s = builder.build("svc", List.of(downMaster, up(B, replicaInfo("up", 0))));
        assertFalse(s.hasMaster());
        assertEquals("no server reports role:master", s.noMasterReason());
        Shard none = builder.build("svc", List.of(downMaster));
        assertEquals("no server is reachable", none.noMasterReason());
    }

    static final String OLD = "a".repeat(40);
    static final String NEW = "b".repeat(40);
    static final String OTHER = "c".repeat(40);
    static final String NONE = "0".repeat(40);

    /** A master's INFO with its history ids (and no replicas). */
    static String masterWithHistory(String replid, String replid2) {
        return "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:" + replid
                + "\r\nmaster_replid2:" + replid2 + "\r\nmaster_repl_offset:5000\r\n";
    }

    @Test
    void parsesHistoryIds() {
        ReplicationInfo promoted = ReplicationInfo.parse(masterWithHistory(NEW, OLD));
        assertEquals(NEW, promoted.replid());
        assertEquals(OLD, promoted.replid2());
        assertNull(ReplicationInfo.parse(masterWithHistory(OLD, NONE)).replid2(), "forty zeros: no previous history");
        assertTrue(promoted.continues(ReplicationInfo.parse(masterWithHistory(OLD, NONE))));
        assertFalse(ReplicationInfo.parse(masterWithHistory(OLD, NONE)).continues(promoted));
    }

    @Test
    void aReplicaPromotedFromTheMasterTakesTheWritesBeforeTheOldOneIsDemoted() {
        NodeState old = up(A, masterWithHistory(OLD, NONE));
        NodeState promoted = up(B, masterWithHistory(NEW, OLD));
        for (List<NodeState> order : List.of(List.of(old, promoted, up(C, replicaInfo("up", 0))),
                List.of(up(C, replicaInfo("up", 0)), promoted, old))) {
            Shard s = builder.build("svc", order);
            assertEquals(B, s.master(), "B continues A's history: A's later writes would be discarded");
            assertEquals(List.of(C), s.readReplicas());
        }
    }

    @Test
    void aChainOfPromotionsPicksTheLatest() {
        Shard s = builder.build("svc", List.of(
                up(C, masterWithHistory(OTHER, NEW)),
                up(A, masterWithHistory(OLD, NONE)),
                up(B, masterWithHistory(NEW, OLD))));
        assertEquals(C, s.master());
    }

    @Test
    void twoMastersWithoutOrderHoldWrites() {
        // A master restarted without its data starts a new history: nothing says which one is right.
        Shard unrelated = builder.build("svc", List.of(up(A, masterWithHistory(OLD, NONE)),
                up(B, masterWithHistory(OTHER, NONE))));
        assertFalse(unrelated.hasMaster());
        assertTrue(unrelated.noMasterReason().startsWith("several servers claim role:master"), unrelated.noMasterReason());
        // Promoted from a history neither of them serves any more (a third, gone, master).
        Shard siblings = builder.build("svc", List.of(up(A, masterWithHistory(NEW, OLD)),
                up(B, masterWithHistory(OTHER, OLD))));
        assertFalse(siblings.hasMaster(), "two replicas of the same old master, both promoted: no order");
        // Without history ids (an INFO that lacks them) there is no order either.
        assertFalse(builder.build("svc", List.of(up(A, masterInfo()), up(B, masterInfo()))).hasMaster());
    }

    @Test
    void writesWaitWhileANodeThatClosedOurConnectionIsRechecked() {
        NodeState master = up(A, masterWithHistory(OLD, NONE));
        NodeState replicaInDoubt = new NodeState(B, true, ReplicationInfo.parse(replicaInfo("up", 0)), null, true);
        Shard s = builder.build("svc", List.of(master, replicaInDoubt, up(C, replicaInfo("up", 0))));
        assertFalse(s.hasMaster(), "B may be being promoted: A's next writes could be lost");
        assertTrue(s.noMasterReason().contains("127.0.0.1:7002"), s.noMasterReason());
        assertEquals(List.of(B, C), s.readReplicas(), "reads go on");
        NodeState promoted = up(B, masterWithHistory(NEW, OLD));
        NodeState oldBeingDemoted = new NodeState(A, true, ReplicationInfo.parse(masterWithHistory(OLD, NONE)), null, true);
        assertEquals(B, builder.build("svc", List.of(oldBeingDemoted, promoted)).master(),
                "the superseded master closing our connection (Sentinel demoting it) does not stop writes to B");
        NodeState promotedInDoubt = new NodeState(B, true, ReplicationInfo.parse(masterWithHistory(NEW, OLD)), null, true);
        assertFalse(builder.build("svc", List.of(up(A, masterWithHistory(OLD, NONE)), promotedInDoubt)).hasMaster(),
                "the chosen master in doubt: wait");
        NodeState justMarkedDown = new NodeState(B, false, ReplicationInfo.parse(replicaInfo("up", 0)), "reset", true);
        assertFalse(builder.build("svc", List.of(master, justMarkedDown)).hasMaster(),
                "the data path saw B drop its connections first: B may be being promoted all the same");
        NodeState oldMasterMarkedDown = new NodeState(A, false, ReplicationInfo.parse(masterWithHistory(OLD, NONE)),
                "reset", true);
        assertEquals(B, builder.build("svc", List.of(oldMasterMarkedDown, promoted)).master(),
                "the superseded master dropping our connections (being demoted) does not stop writes to B");
    }

    @Test
    void aPromotedNodeThatIsDownDoesNotCount() {
        NodeState old = up(A, masterWithHistory(OLD, NONE));
        NodeState promotedButDown = new NodeState(B, false, ReplicationInfo.parse(masterWithHistory(NEW, OLD)), "timeout");
        assertEquals(A, builder.build("svc", List.of(old, promotedButDown)).master());
    }

    @Test
    void theOldMasterDownAndThePromotedOneUp() {
        NodeState oldDown = new NodeState(A, false, ReplicationInfo.parse(masterWithHistory(OLD, NONE)), "refused");
        assertEquals(B, builder.build("svc", List.of(oldDown, up(B, masterWithHistory(NEW, OLD)))).master());
    }

    @Test
    void replicasOfTheOldMasterStillServeReadsWhileTheirLinkIsUp() {
        Shard s = builder.build("svc", List.of(
                up(A, masterWithHistory(OLD, NONE)),
                up(B, masterWithHistory(NEW, OLD)),
                up(C, replicaInfo("up", 0))));
        assertEquals(List.of(C), s.readReplicas(), "C is not listed by B; judged by its own link to A");
        Shard down = builder.build("svc", List.of(
                up(A, masterWithHistory(OLD, NONE)),
                up(B, masterWithHistory(NEW, OLD)),
                up(C, replicaInfo("down", 0))));
        assertEquals(List.of(), down.readReplicas());
    }

    @Test
    void addressesReadFromInfoPassThroughTheNatMap() {
        // The master lists its replicas (and a replica its master) by their announced addresses.
        AddressMap nat = AddressMap.of(Map.of(new NodeAddress("10.0.0.2", 6379), B,
                new NodeAddress("10.0.0.1", 6379), A));
        ReplicationInfo master = ReplicationInfo.parse(masterInfo(
                "ip=10.0.0.2,port=6379,state=online,offset=4990,lag=30")).withAddresses(nat::reachable);
        assertEquals(30, master.replica("127.0.0.1", 7002).lagSeconds());
        ReplicationInfo replica = ReplicationInfo.parse("role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\n"
                + "master_link_status:up\r\n").withAddresses(nat::reachable);
        assertEquals("127.0.0.1", replica.masterHost());
        assertEquals(7001, replica.masterPort());
        Shard s = builder.build("svc", List.of(new NodeState(A, true, master, null),
                new NodeState(B, true, replica, null)));
        assertEquals(List.of(), s.readReplicas(), "B is found in A's list once mapped: its 30 s lag counts");
    }

    @Test
    void riseAndFall() {
        RiseFall rf = new RiseFall(2, 3);
        assertFalse(rf.isUp());
        assertTrue(rf.record(true), "first check decides at once");
        assertFalse(rf.record(false));
        assertFalse(rf.record(false));
        assertTrue(rf.record(false), "third failure: down");
        assertFalse(rf.isUp());
        assertFalse(rf.record(true));
        assertTrue(rf.record(true), "second success: up");
        assertTrue(rf.markDown());
        assertFalse(rf.isUp());
    }

    @Test
    void aPassiveMarkIsWithdrawnWhenTheNextCheckSucceeds() {
        RiseFall rf = new RiseFall(2, 3);
        rf.record(true);
        assertTrue(rf.markDown(), "down at once");
        assertFalse(rf.markDown(), "a second mark changes nothing");
        assertTrue(rf.record(true), "the node answers: a dropped connection, not a failure; up again at once");
        assertTrue(rf.isUp());

        assertTrue(rf.markDown());
        assertFalse(rf.record(false), "confirmed: stays down");
        assertFalse(rf.record(true), "then needs rise good checks");
        assertTrue(rf.record(true));

        RiseFall neverUp = new RiseFall(2, 3);
        neverUp.record(false);
        neverUp.markDown();
        assertFalse(neverUp.record(true), "a node that was down before the mark is not brought up by it");
    }

    /** /topology says why a replica serves no reads, by the same rule that decides it. */
    @Test
    void saysWhyAReplicaServesNoReads() {
        NodeState master = up(A, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=4990,lag=0",
                "ip=127.0.0.1,port=7003,state=online,offset=1000,lag=0"));
        NodeState b = up(B, replicaInfo("up", 0));
        NodeState c = up(C, replicaInfo("up", 0));
        assertNull(builder.whyNotEligible(b, master));
        assertTrue(builder.replicaEligible(b, master));
        assertEquals("4000 bytes behind its master (max-replica-lag-bytes 1000)", builder.whyNotEligible(c, master));
        assertFalse(builder.replicaEligible(c, master));
        assertEquals("full sync with its master in progress", builder.whyNotEligible(up(B, replicaInfo("up", 1)), master));
        NodeState lagging = up(A, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=4990,lag=12"));
        assertEquals("lag 12 s (max-replica-lag 10 s)", builder.whyNotEligible(b, lagging));
        NodeState waiting = up(A, masterInfo("ip=127.0.0.1,port=7002,state=wait_bgsave,offset=0,lag=0"));
        assertEquals("its master lists it as wait_bgsave", builder.whyNotEligible(b, waiting));
        assertEquals("link to its master is down", builder.whyNotEligible(up(B, replicaInfo("down", 0)), master));
    }
    /**
     * writes.min-replicas counts the replicas the master lists as online within the lag limits
     * (seconds and bytes): one lagging, one in a sync, one too far behind in bytes do not count;
     * every other configured server is known.
     */
    @Test
    void countsTheReplicasTheMasterHasInSync() {
        StaticShardBuilder byBytes = new StaticShardBuilder(
                new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 100));
        NodeState master = up(A, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=4990,lag=0",
                "ip=127.0.0.1,port=7003,state=online,offset=4990,lag=30",
                "ip=127.0.0.1,port=7004,state=wait_bgsave,offset=0,lag=0",
                "ip=127.0.0.1,port=7005,state=online,offset=4000,lag=1"));
        assertEquals(2, builder.replicasInSync(master));
        assertEquals(1, byBytes.replicasInSync(master), "4990 is 10 bytes behind, 4000 is 1000");
        Shard s = builder.build("svc", List.of(master, up(B, replicaInfo("up", 0)), up(C, replicaInfo("up", 0))));
        assertEquals(2, s.replicasInSync());
        assertEquals(2, s.replicasKnown());
        assertEquals(0, builder.replicasInSync(up(A, masterInfo())));
    }
}
