package io.respproxy.sentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import org.junit.jupiter.api.Test;

class SentinelEventTest {

    @Test
    void instanceEventsNameTheirMasterAfterTheAt() {
        SentinelEvent e = SentinelEvent.parse("+selected-slave",
                "slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7001");
        assertEquals("mymaster", e.masterName());
        assertEquals(new NodeAddress("127.0.0.1", 7001), e.master());
        assertTrue(e.fences());
        assertTrue(e.concerns("mymaster"));
        assertFalse(e.concerns("other"));
    }

    @Test
    void masterEvents() {
        SentinelEvent e = SentinelEvent.parse("+odown", "master mymaster 127.0.0.1 7001 #quorum 2/2");
        assertEquals(new NodeAddress("127.0.0.1", 7001), e.master());
        assertTrue(e.fences());
        SentinelEvent sdown = SentinelEvent.parse("+sdown", "master mymaster 127.0.0.1 7001");
        assertFalse(sdown.fences(), "one Sentinel's opinion: re-query, do not stop writes");
    }

    @Test
    void switchMasterNamesTheOldMaster() {
        SentinelEvent e = SentinelEvent.parse("+switch-master", "mymaster 127.0.0.1 7001 127.0.0.1 7002");
        assertEquals("mymaster", e.masterName());
        assertEquals(new NodeAddress("127.0.0.1", 7001), e.master());
        assertFalse(e.fences(), "after the switch: the re-query decides");
    }

    @Test
    void messagesWithoutAMasterConcernEveryService() {
        SentinelEvent e = SentinelEvent.parse("+new-epoch", "7");
        assertTrue(e.concerns("anything"));
        assertFalse(e.fences());
    }
}
