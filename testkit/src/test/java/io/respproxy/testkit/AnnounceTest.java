package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnnounceTest {

    @Test
    void portOffsetKeepsLoopbackAndShiftsThePort() {
        Announce a = Announce.portOffset(10000);
        assertEquals(new RedisEndpoint("127.0.0.1", 22345), a.endpointFor(12345));
        assertFalse(a.isHostname());
        assertEquals("127.0.0.1", a.listenHost());
    }

    @Test
    void anotherLoopbackHostKeepsThePort() {
        Announce a = Announce.host("127.0.0.2");
        assertEquals(new RedisEndpoint("127.0.0.2", 12345), a.endpointFor(12345));
        assertEquals(new RedisEndpoint("127.0.0.2", 12346), Announce.portOffset(1).withHost("127.0.0.2").endpointFor(12345));
    }

    @Test
    void localhostIsAHostNameListenedForOn127001() {
        Announce a = Announce.portOffset(10000).withHost("localhost");
        assertTrue(a.isHostname());
        assertEquals(new RedisEndpoint("localhost", 22345), a.endpointFor(12345));
        assertEquals("127.0.0.1", a.listenHost());
    }

    @Test
    void onlyLoopbackAndNeverWhereTheNodesListen() {
        assertThrows(IllegalArgumentException.class, () -> Announce.host("10.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Announce.host("node-1.respproxy.invalid"));
        assertThrows(IllegalArgumentException.class, () -> Announce.host("127.0.0.256"));
        assertThrows(IllegalArgumentException.class, () -> Announce.host("127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Announce.host("localhost"));
        assertThrows(IllegalArgumentException.class, () -> Announce.portOffset(0));
        assertThrows(IllegalArgumentException.class, () -> Announce.portOffset(60000).endpointFor(12000));
    }
}
