package io.respproxy.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders redis.conf / sentinel.conf lines. Pure, so unit tests pin down exactly what a node runs with.
 * Every node binds 127.0.0.1 only and keeps nothing on disk unless a test asks (SAVE).
 */
final class RedisConf {

    private RedisConf() {
    }

    /** Lines every data node (standalone, replica, cluster node) starts with. */
    static List<String> server(int port, Path dir, Credentials auth) {
        List<String> lines = new ArrayList<>(base(port, dir));
        lines.add("save \"\"");
        lines.add("appendonly no");
        lines.add("dbfilename dump.rdb");
        // 7.0 waits 5 s by default for more replicas before a diskless full sync; tests cannot afford that
        lines.add("repl-diskless-sync-delay 0");
        if (auth != null) {
            lines.addAll(serverAuth(auth));
        }
        return lines;
    }

    /** Client auth plus the same credentials for replication: any node may become a replica after failover. */
    static List<String> serverAuth(Credentials auth) {
        List<String> lines = new ArrayList<>(clientAuth(auth));
        if (auth.isAclUser()) {
            lines.add("masteruser " + auth.user());
        }
        lines.add("masterauth " + auth.password());
        return lines;
    }

    /** What clients must present; {@code user default off} so an ACL setup also rejects anonymous clients. */
    static List<String> clientAuth(Credentials auth) {
        if (!auth.isAclUser()) {
            return List.of("requirepass " + auth.password());
        }
        return List.of("user default off",
                "user " + auth.user() + " on >" + auth.password() + " ~* &* +@all");
    }

    /** Behind NAT, {@code master} is the announced address, the one Sentinel would name. */
    static List<String> replicaOf(RedisEndpoint master) {
        return List.of("replicaof " + master.host() + " " + master.port());
    }

    /**
     * A data node behind NAT: what it tells its master to list in INFO (and so what Sentinel learns),
     * and the source address of its replication connections, which the announced address admits.
     */
    static List<String> announceDataNode(RedisEndpoint announced) {
        return List.of("bind-source-addr " + NatRelay.INSIDE,
                "replica-announce-ip " + announced.host(),
                "replica-announce-port " + announced.port());
    }

    /** A Sentinel behind NAT: what its hello messages tell the other Sentinels, and its source address. */
    static List<String> announceSentinel(RedisEndpoint announced) {
        return List.of("bind-source-addr " + NatRelay.INSIDE,
                "sentinel announce-ip " + announced.host(),
                "sentinel announce-port " + announced.port());
    }

    /**
     * A cluster node behind NAT. Its client and bus addresses announced through relays when
     * {@code bus} is given: the bus moves to a port of its own ({@code cluster-port}), since
     * {@code port + 10000}, Redis's default, may be the announced client port; the node connects from
     * the inside address, and announces its IP explicitly, or the others would take that source
     * address for its IP (seen on 7.0.15: they record {@code 127.0.0.3}, where nothing listens, and
     * never finish the handshake). Without {@code bus} (the node is reached where it listens) only
     * the IP and the hostname are announced.
     *
     * @param ip       what {@code ip}/{@code port} of CLUSTER SHARDS and CLUSTER NODES will say
     * @param busPort  the real bus port ({@code cluster-port}), 0 with no relays
     * @param bus      the announced bus address (same host as {@code ip}), or null with no relays
     * @param hostname the announced and preferred hostname, or null
     */
    static List<String> announceClusterNode(RedisEndpoint ip, int busPort, RedisEndpoint bus, String hostname) {
        List<String> lines = new ArrayList<>();
        lines.add("cluster-announce-ip " + ip.host());
        if (bus != null) {
            lines.addAll(announceDataNode(ip));
            lines.add("cluster-port " + busPort);
            lines.add("cluster-announce-port " + ip.port());
            lines.add("cluster-announce-bus-port " + bus.port());
        }
        if (hostname != null) {
            lines.add("cluster-announce-hostname " + hostname);
            lines.add("cluster-preferred-endpoint-type hostname");
        }
        return lines;
    }

    /** Cluster mode; nodes.conf lives in the node's dir, so a restart rejoins with the same node id. */
    static List<String> cluster(int nodeTimeoutMillis) {
        return List.of("cluster-enabled yes",
                "cluster-config-file nodes.conf",
                "cluster-node-timeout " + nodeTimeoutMillis,
                // Let a replica fail over however long its link was down: tests pause and kill at will.
                "cluster-replica-validity-factor 0",
                // Keep replicas where the test put them.
                "cluster-allow-replica-migration no");
    }

    /**
     * A Sentinel monitoring one master.
     *
     * @param master         where the Sentinel finds the master: a host name makes it resolve names
     *                       (replicas announced by name are ignored otherwise) and report them as
     *                       written instead of as the resolved IP
     * @param masterAuth     what the Sentinel uses to talk to the data nodes, or null
     * @param sentinelAuth   what clients (and the other Sentinels) must present to this Sentinel, or null
     */
    static List<String> sentinel(int port, Path dir, SentinelSettings s, RedisEndpoint master,
                                 Credentials masterAuth, Credentials sentinelAuth) {
        List<String> lines = new ArrayList<>(base(port, dir));
        String m = s.masterName();
        if (!isIpLiteral(master.host())) {
            // before monitor: the monitor line itself names the master by host name
            lines.add("sentinel resolve-hostnames yes");
            lines.add("sentinel announce-hostnames yes");
        }
        lines.add("sentinel monitor " + m + " " + master.host() + " " + master.port() + " " + s.quorum());
        lines.add("sentinel down-after-milliseconds " + m + " " + s.downAfterMillis());
        lines.add("sentinel failover-timeout " + m + " " + s.failoverTimeoutMillis());
        lines.add("sentinel parallel-syncs " + m + " 1");
        if (masterAuth != null) {
            if (masterAuth.isAclUser()) {
                lines.add("sentinel auth-user " + m + " " + masterAuth.user());
            }
            lines.add("sentinel auth-pass " + m + " " + masterAuth.password());
        }
        if (sentinelAuth != null) {
            lines.addAll(clientAuth(sentinelAuth));
            if (sentinelAuth.isAclUser()) {
                lines.add("sentinel sentinel-user " + sentinelAuth.user());
            }
            lines.add("sentinel sentinel-pass " + sentinelAuth.password());
        }
        return lines;
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.indexOf(':') >= 0;
    }

    private static List<String> base(int port, Path dir) {
        return List.of("bind " + RedisEndpoint.LOOPBACK,
                "port " + port,
                "dir \"" + dir.toAbsolutePath() + "\"",
                "daemonize no",
                // stdout, which the testkit appends to the node's log file; keeps startup errors there too
                "logfile \"\"");
    }

    static String render(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
