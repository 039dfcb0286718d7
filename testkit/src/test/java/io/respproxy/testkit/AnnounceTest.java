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

    @Test
    void hostnamesAreNodeNameDotDomainAndKeepTheIpForm() {
        Announce a = Announce.host("127.0.0.2").withHostnames("respproxy.invalid");
        assertTrue(a.hasHostnames());
        assertEquals("node-1.respproxy.invalid", a.hostnameFor("node-1"));
        assertEquals(new RedisEndpoint("127.0.0.2", 12345), a.endpointFor(12345));
        // hostnames alone: the IP form is where the node listens, which is fine since the name is the NAT
        Announce only = Announce.hostnames("respproxy.invalid");
        assertEquals(new RedisEndpoint("127.0.0.1", 12345), only.endpointFor(12345));
        assertEquals(null, Announce.portOffset(10000).hostnameFor("node-1"));
    }

    @Test
    void hostnamesMustBeUnresolvable() {
        assertThrows(IllegalArgumentException.class, () -> Announce.hostnames("respproxy.example"));
        assertThrows(IllegalArgumentException.class, () -> Announce.hostnames("Respproxy.INVALID"));
        assertThrows(IllegalArgumentException.class, () -> Announce.hostnames("-x.invalid"));
        assertThrows(IllegalArgumentException.class,
                () -> Announce.portOffset(1).withHost("localhost").withHostnames("respproxy.invalid"));
    }

    @Test
    void buildersTakeOnlyWhatTheirTopologyCanAnnounce() {
        // cluster-announce-ip takes an IP; Sentinel never promotes a replica it cannot resolve
        assertThrows(IllegalArgumentException.class,
                () -> RedisTopologies.cluster().announce(Announce.portOffset(10000).withHost(Announce.LOCALHOST)));
        assertThrows(IllegalArgumentException.class,
                () -> RedisTopologies.sentinel().announce(Announce.hostnames("respproxy.invalid")));
    }
}
