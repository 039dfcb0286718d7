package io.respproxy.sentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SentinelAgreementTest {

    static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);

    static SentinelReport report(int sentinelPort, NodeAddress master, long epoch, Set<String> flags,
                                 SentinelReport.Replica... replicas) {
        return new SentinelReport(new NodeAddress("127.0.0.1", sentinelPort), master, epoch, master, flags,
                List.of(replicas), List.of());
    }

    static SentinelReport.Replica up(NodeAddress a) {
        return new SentinelReport.Replica(a, Set.of("slave"));
    }

    static SentinelReport.Replica down(NodeAddress a) {
        return new SentinelReport.Replica(a, Set.of("s_down", "slave", "disconnected"));
    }

    @Test
    void aMajorityOfTheAnsweringSentinelsNamesTheMaster() {
        SentinelAgreement a = SentinelAgreement.of("m", List.of(
                report(1, A, 3, Set.of("master"), up(B), up(C)),
                report(2, A, 3, Set.of("master"), up(B), up(C))), 1);
        assertEquals(A, a.master());
        assertEquals(List.of(B, C), a.replicas());
        assertEquals(Set.of(A, B, C), a.watch());
        assertTrue(a.settled());
    }

    @Test
    void replicasComeInAStableOrderWhicheverSentinelAnswersFirst() {
        SentinelAgreement one = SentinelAgreement.of("m", List.of(
                report(1, A, 3, Set.of("master"), up(C), up(B)), report(2, A, 3, Set.of("master"), up(B), up(C))), 0);
        SentinelAgreement other = SentinelAgreement.of("m", List.of(
                report(2, A, 3, Set.of("master"), up(B), up(C))), 1);
        assertEquals(List.of(B, C), one.replicas());
        assertEquals(one.replicas(), other.replicas());
    }

    @Test
    void noMajorityNoMaster() {
        SentinelAgreement a = SentinelAgreement.of("m", List.of(
                report(1, A, 3, Set.of("master")), report(2, B, 3, Set.of("master"))), 0);
        assertNull(a.master());
        assertTrue(a.reason().contains("disagree"), a.reason());
        assertFalse(a.settled());
    }

    @Test
    void aNewerEpochOutranksAnOlderMajority() {
        SentinelAgreement a = SentinelAgreement.of("m", List.of(
                report(1, A, 3, Set.of("master")), report(2, A, 3, Set.of("master")),
                report(3, B, 4, Set.of("master"))), 0);
        assertNull(a.master(), "the others have not heard of epoch 4 yet");
        assertTrue(a.reason().contains("newer master " + B), a.reason());
        SentinelAgreement spreading = SentinelAgreement.of("m", List.of(
                report(1, A, 3, Set.of("master"), up(B), up(C)), report(2, A, 3, Set.of("master"), up(B), up(C)),
                report(3, B, 4, Set.of("master"), up(A), up(C))), 0);
        assertEquals(List.of(C), spreading.replicas(), "reads keep a replica no Sentinel names master");
    }

    @Test
    void theMasterBeingFailedOverIsUnsafeNotThePromotedReplica() {
        // The leader already answers GET-MASTER-ADDR-BY-NAME with the promoted replica B, while
        // its SENTINEL MASTER still describes A, flagged failover_in_progress.
        SentinelReport leader = new SentinelReport(new NodeAddress("127.0.0.1", 1), B, 4, A,
                Set.of("master", "failover_in_progress"), List.of(up(C)), List.of());
        SentinelAgreement a = SentinelAgreement.of("m", List.of(leader,
                report(2, B, 4, Set.of("master"), up(C)), report(3, B, 4, Set.of("master"), up(C))), 0);
        assertEquals(B, a.master());
        assertEquals(Set.of(A), a.unsafe());
        assertFalse(a.settled());
    }

    @Test
    void replicasFlaggedDownByTheMajorityAreDropped() {
        SentinelAgreement a = SentinelAgreement.of("m", List.of(
                report(1, A, 0, Set.of("master"), up(B), down(C)),
                report(2, A, 0, Set.of("master"), up(B), down(C)),
                report(3, A, 0, Set.of("master"), up(B), up(C))), 0);
        assertEquals(List.of(B), a.replicas());
        assertTrue(a.watch().contains(C), "still watched: it may come back");
    }

    @Test
    void sentinelsThatDoNotKnowTheNameCountAsAnsweringButVoteForNothing() {
        SentinelReport unknown = new SentinelReport(new NodeAddress("127.0.0.1", 9), null, 0, null, Set.of(),
                List.of(), List.of());
        SentinelAgreement none = SentinelAgreement.of("m", List.of(unknown), 2);
        assertNull(none.master());
        assertTrue(none.reason().contains("'m'"), none.reason());
        SentinelAgreement tie = SentinelAgreement.of("m", List.of(unknown, report(1, A, 0, Set.of("master"))), 0);
        assertNull(tie.master(), "one of two is no majority");
        assertEquals("no Sentinel answered (3 unreachable)", SentinelAgreement.of("m", List.of(), 3).reason());
    }

    @Test
    void oDownMastersAreUnsafeWhenAMajorityHoldsIt() {
        SentinelAgreement a = SentinelAgreement.of("m", List.of(
                report(1, A, 0, Set.of("master", "s_down", "o_down")), report(2, A, 0, Set.of("master", "s_down", "o_down")),
                report(3, A, 0, Set.of("master"))), 0);
        assertEquals(A, a.master());
        assertEquals(Set.of(A), a.unsafe());
        // Quorum 1 of 3: one Sentinel cut off from a healthy master must not stop writes.
        SentinelAgreement minority = SentinelAgreement.of("m", List.of(
                report(1, A, 0, Set.of("master", "s_down", "o_down")), report(2, A, 0, Set.of("master")),
                report(3, A, 0, Set.of("master"))), 0);
        assertEquals(Set.of(), minority.unsafe());
        SentinelAgreement failing = SentinelAgreement.of("m", List.of(
                report(1, A, 0, Set.of("master", "o_down", "failover_in_progress")), report(2, A, 0, Set.of("master")),
                report(3, A, 0, Set.of("master"))), 0);
        assertEquals(Set.of(A), failing.unsafe(), "a failover in progress counts whoever reports it");
    }
}
