package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConfTest {

    private static final Path DIR = Path.of("/tmp/respproxy-testkit/nodes/x/master");

    @Test
    void serverBindsLoopbackOnlyAndKeepsNothingOnDisk() {
        List<String> lines = RedisConf.server(12345, DIR, null);
        assertEquals(List.of("bind 127.0.0.1", "port 12345", "dir \"" + DIR + "\"", "daemonize no", "logfile \"\"",
                "save \"\"", "appendonly no", "dbfilename dump.rdb", "repl-diskless-sync-delay 0"), lines);
    }

    @Test
    void passwordSetsRequirepassAndMasterauth() {
        List<String> lines = RedisConf.server(1, DIR, Credentials.password("pw"));
        assertTrue(lines.containsAll(List.of("requirepass pw", "masterauth pw")));
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("user ") || l.startsWith("masteruser")));
    }

    @Test
    void aclUserSwitchesTheDefaultUserOff() {
        List<String> lines = RedisConf.server(1, DIR, Credentials.aclUser("app", "pw"));
        assertTrue(lines.containsAll(List.of("user default off", "user app on >pw ~* &* +@all",
                "masteruser app", "masterauth pw")));
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("requirepass")));
    }

    @Test
    void sentinelMonitorsTheMasterWithSmallTimeoutsAndItsCredentials() {
        SentinelSettings s = new SentinelSettings("mymaster", 2, 1000, 5000);
        List<String> lines = RedisConf.sentinel(26379, DIR, s, RedisEndpoint.loopback(6379),
                Credentials.aclUser("app", "pw"), Credentials.password("spw"));
        assertEquals("bind 127.0.0.1", lines.get(0));
        assertTrue(lines.containsAll(List.of(
                "sentinel monitor mymaster 127.0.0.1 6379 2",
                "sentinel down-after-milliseconds mymaster 1000",
                "sentinel failover-timeout mymaster 5000",
                "sentinel auth-user mymaster app",
                "sentinel auth-pass mymaster pw",
                "requirepass spw",
                "sentinel sentinel-pass spw")));
        // monitor must precede the directives that name the master
        assertTrue(lines.indexOf("sentinel monitor mymaster 127.0.0.1 6379 2")
                < lines.indexOf("sentinel auth-pass mymaster pw"));
        // an IP literal needs no name resolution
        assertFalse(lines.stream().anyMatch(l -> l.contains("hostnames")));
    }

    @Test
    void sentinelMonitoringAHostNameResolvesAndAnnouncesNames() {
        SentinelSettings s = new SentinelSettings("mymaster", 2, 1000, 5000);
        List<String> lines = RedisConf.sentinel(26379, DIR, s, new RedisEndpoint("localhost", 22001), null, null);
        int monitor = lines.indexOf("sentinel monitor mymaster localhost 22001 2");
        // before monitor: at load, the monitor line is resolved with the settings read so far
        assertTrue(monitor > 0, lines.toString());
        assertTrue(lines.indexOf("sentinel resolve-hostnames yes") < monitor, lines.toString());
        assertTrue(lines.indexOf("sentinel announce-hostnames yes") < monitor, lines.toString());
        assertTrue(lines.indexOf("sentinel resolve-hostnames yes") >= 0);
    }

    @Test
    void aNodeBehindNatAnnouncesItsAddressAndConnectsFromTheInside() {
        RedisEndpoint announced = new RedisEndpoint("127.0.0.1", 22001);
        assertEquals(List.of("bind-source-addr 127.0.0.3", "replica-announce-ip 127.0.0.1",
                "replica-announce-port 22001"), RedisConf.announceDataNode(announced));
        assertEquals(List.of("bind-source-addr 127.0.0.3", "sentinel announce-ip 127.0.0.1",
                "sentinel announce-port 22001"), RedisConf.announceSentinel(announced));
        assertEquals(List.of("replicaof localhost 22001"), RedisConf.replicaOf(new RedisEndpoint("localhost", 22001)));
    }

    @Test
    void clusterKeepsNodesConfInTheNodeDir() {
        List<String> lines = RedisConf.cluster(2000);
        assertTrue(lines.containsAll(List.of("cluster-enabled yes", "cluster-config-file nodes.conf",
                "cluster-node-timeout 2000")));
    }

    @Test
    void credentialsNeverPrintThePassword() {
        assertFalse(Credentials.aclUser("app", "topsecret").toString().contains("topsecret"));
        assertFalse(Credentials.password("topsecret").toString().contains("topsecret"));
    }

    @Test
    void clusterNodeBehindNatMovesItsBusAndAnnouncesBothPorts() {
        List<String> lines = RedisConf.announceClusterNode(new RedisEndpoint("127.0.0.1", 22000), 13000,
                new RedisEndpoint("127.0.0.1", 23000), null);
        assertEquals(List.of("cluster-announce-ip 127.0.0.1", "bind-source-addr 127.0.0.3",
                "replica-announce-ip 127.0.0.1", "replica-announce-port 22000", "cluster-port 13000",
                "cluster-announce-port 22000", "cluster-announce-bus-port 23000"), lines);
    }

    @Test
    void clusterNodeAnnouncingOnlyAHostnameKeepsItsSourceAddress() {
        List<String> lines = RedisConf.announceClusterNode(RedisEndpoint.loopback(12000), 0, null,
                "node-1.respproxy.invalid");
        assertEquals(List.of("cluster-announce-ip 127.0.0.1", "cluster-announce-hostname node-1.respproxy.invalid",
                "cluster-preferred-endpoint-type hostname"), lines);
    }
}
