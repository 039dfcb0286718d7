package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of what redis-server prints: --version, CLUSTER NODES, INFO. */
class ParsingTest {

    @Test
    void versionFromRedisServerVersionOutput() {
        RedisVersion v = RedisVersion.parse(
                "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n");
        assertEquals(new RedisVersion(7, 0, 15), v);
        assertTrue(v.isAtLeast(7, 0));
        assertTrue(v.isAtLeast(6, 2));
        assertFalse(RedisVersion.parse("Redis server v=6.2.11 sha=0").isAtLeast(7, 0));
        assertThrows(IllegalArgumentException.class, () -> RedisVersion.parse("bash: redis-server: not found"));
    }

    @Test
    void clusterNodesLines() {
        String reply = """
                e7d1eec 127.0.0.1:12001@22001 myself,master - 0 0 1 connected 0-5460
                67ed2db 127.0.0.1:12002@22002,node-b.example slave e7d1eec 0 1426238317239 4 connected
                292f8b3 127.0.0.1:12003@22003 master,fail - 1426238316232 1426238315232 3 disconnected
                """;
        List<ClusterNodesLine> lines = ClusterNodesLine.parseAll(reply);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).isMaster());
        assertEquals(List.of("0-5460"), lines.get(0).slots());
        assertEquals(12002, lines.get(1).port());
        assertTrue(lines.get(1).isReplica());
        assertEquals("e7d1eec", lines.get(1).masterId());
        assertTrue(lines.get(2).isUnsettled());
        assertFalse(lines.get(0).isUnsettled());
    }

    @Test
    void infoFields() {
        var f = Info.parse("# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n");
        assertEquals("slave", f.get("role"));
        assertEquals("up", f.get("master_link_status"));
    }

    @Test
    void endpoints() {
        assertEquals(new RedisEndpoint("127.0.0.1", 6379), RedisEndpoint.parse("127.0.0.1:6379"));
        assertEquals("127.0.0.1:1", RedisEndpoint.loopback(1).toString());
    }
}
