package io.respproxy.sentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MasterFencesTest {

    static final NodeAddress M = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress S1 = new NodeAddress("127.0.0.1", 26001);
    static final NodeAddress S2 = new NodeAddress("127.0.0.1", 26002);
    static final NodeAddress S3 = new NodeAddress("127.0.0.1", 26003);

    static SentinelAgreement noFailover() {
        return SentinelAgreement.of("m", List.of(SentinelAgreementTest.report(2, M, 0, Set.of("master")),
                SentinelAgreementTest.report(3, M, 0, Set.of("master"))), 1);
    }

    @Test
    void theQueryInFlightAtTheEventCannotLiftIt() {
        MasterFences f = new MasterFences();
        assertTrue(f.raise(M, S1, 7));
        assertNull(f.liftIfOver(7, noFailover(), Set.of(S1, S2, S3), 3), "sent before the event");
        assertEquals(M, f.liftIfOver(8, noFailover(), Set.of(S1, S2, S3), 3));
        assertFalse(f.eventFenceUp());
    }

    /** Only the Sentinel doing the failover has failover_in_progress: the others' silence proves nothing. */
    @Test
    void aMinorityWithoutTheRaisingSentinelCannotLiftIt() {
        MasterFences f = new MasterFences();
        f.raise(M, S1, 0);
        assertNull(f.liftIfOver(1, noFailover(), Set.of(S2), 3));
        assertNull(f.liftIfOver(2, noFailover(), Set.of(), 3), "nobody answered");
        assertTrue(f.eventFenceUp());
        assertEquals(M, f.liftIfOver(3, noFailover(), Set.of(S2, S3), 3), "a majority of all known Sentinels");
    }

    @Test
    void aFailoverStillUnderWayKeepsItAndNamesTheMasterBeingLeft() {
        MasterFences f = new MasterFences();
        f.raise(M, S1, 0);
        SentinelAgreement failing = SentinelAgreement.of("m", List.of(
                SentinelAgreementTest.report(1, M, 0, Set.of("master", "failover_in_progress"))), 0);
        assertNull(f.liftIfOver(1, failing, Set.of(S1), 3));
        assertEquals(M, f.failingOver(failing));
        assertTrue(f.reasons(failing).get(M).contains("failover"));
    }

    @Test
    void aSwitchoverHoldsWritesButIsNotAFailover() {
        MasterFences f = new MasterFences();
        assertTrue(f.beginSwitchover(M));
        assertFalse(f.beginSwitchover(M), "one at a time");
        assertTrue(f.reasons(noFailover()).get(M).startsWith("switchover from"));
        assertNull(f.failingOver(noFailover()), "its writes in flight are answered before any promotion");
        f.endSwitchover();
        assertTrue(f.reasons(noFailover()).isEmpty());
    }
}
