package io.respproxy.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.respproxy.proxy.config.HostPort;
import io.respproxy.proxy.config.NatConfig;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologySourcesTest {

    @Test
    void natBuildsExactAndHostEntries() {
        AddressMap m = TopologySources.nat(new NatConfig(
                Map.of(new HostPort("redis-0.redis.svc", 6379), new HostPort("127.0.0.1", 7001)),
                Map.of("10.0.0.1", "127.0.0.1", "fd00::1", "::1")));
        assertEquals(new NodeAddress("127.0.0.1", 7001), m.reachable("Redis-0.redis.svc", 6379));
        assertEquals(new NodeAddress("127.0.0.1", 6380), m.reachable("10.0.0.1", 6380));
        assertEquals(new NodeAddress("::1", 6379), m.reachable("fd00::1", 6379));
        assertEquals(new NodeAddress("10.0.0.2", 6379), m.reachable("10.0.0.2", 6379));
        assertSame(AddressMap.NONE, TopologySources.nat(NatConfig.NONE));
    }
}
