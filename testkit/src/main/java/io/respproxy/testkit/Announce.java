package io.respproxy.testkit;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the nodes of a {@link SentinelDeployment} or a {@link RedisCluster} say they are, as behind
 * NAT, Docker or Kubernetes: each node listens on {@code 127.0.0.1:port} and announces
 * {@code host:(port + portOffset)}, and, in a cluster, optionally a hostname nothing resolves.
 * <pre>{@code
 * try (SentinelDeployment s = RedisTopologies.sentinel().announce(Announce.portOffset(10000)).start()) {
 *     Map<RedisEndpoint, RedisEndpoint> nat = s.natMap();      // announced -> real, every node
 *     RedisEndpoint seen = s.announcedEndpoint(s.master());    // what GET-MASTER-ADDR-BY-NAME says
 *     s.failover();                                            // still works
 * }
 * }</pre>
 *
 * <p>Data nodes announce through {@code replica-announce-ip}/{@code replica-announce-port} (so the
 * master's {@code INFO} and Sentinel's {@code SENTINEL REPLICAS} list the announced form), Sentinels
 * through {@code sentinel announce-ip}/{@code announce-port} ({@code SENTINEL SENTINELS}), and the
 * Sentinels monitor the master at its announced address, so {@code SENTINEL GET-MASTER-ADDR-BY-NAME}
 * names the announced form before and after a failover. Cluster nodes announce through
 * {@code cluster-announce-*} as well; see {@link RedisCluster} for what the cluster then says.
 *
 * <p>Only the "inside" reaches an announced address. The testkit listens on it ({@link NatRelay}) and
 * relays to the node the connections that come from {@value NatRelay#INSIDE}: every node and Sentinel
 * of the topology connects from there ({@code bind-source-addr}, redis 7.0+). Any other client, a
 * proxy or a test, gets its connection reset. Sentinel must reach the announced addresses to fail
 * over; as observed on redis 7.0.15, a replica announcing a port nobody listens on is
 * {@code s_down,disconnected} in {@code SENTINEL REPLICAS} and {@code SENTINEL FAILOVER} answers
 * {@code -NOGOODSLAVE No suitable replica to promote}; a Sentinel announcing one is
 * {@code s_down,disconnected} for the others, so they get no votes and no quorum from it.
 *
 * <p>Hosts are 127.0.0.0/8 literals or {@code localhost}. Redis 7.0.15 accepts any name in
 * {@code replica-announce-ip} and the master's INFO shows it as written, but Sentinel skips a replica
 * announced by name unless {@code sentinel resolve-hostnames yes} (even {@code localhost}); with it,
 * it reports the resolved IP unless {@code sentinel announce-hostnames yes}; with both it reports
 * the name, and an unresolvable one ({@code node-1.respproxy.invalid}) stays {@code s_down,disconnected},
 * never promoted: hence hostnames only for clusters here. With {@code localhost} the Sentinels get
 * both settings and report {@code localhost:port}.
 *
 * @param host           the announced host: {@code 127.0.0.1}, another 127.0.0.0/8 address, or
 *                       {@code localhost} (not for clusters: {@code cluster-announce-ip} takes an IP)
 * @param portOffset     added to each node's port to get its announced port (may be 0 with a host
 *                       other than 127.0.0.1 / localhost, or with hostnames)
 * @param hostnameDomain null, or the domain of the hostname each cluster node announces as well
 *                       ({@code <node name>.<domain>}, e.g. {@code node-1.respproxy.invalid}); it
 *                       ends in {@code .invalid}, which no resolver ever answers (RFC 2606)
 */
public record Announce(String host, int portOffset, String hostnameDomain) {

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    /** The name Sentinel and redis resolve to 127.0.0.1 (from /etc/hosts). */
    public static final String LOCALHOST = "localhost";

    private static final Pattern INVALID_DOMAIN = Pattern.compile("([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)*invalid");

    public Announce {
        Objects.requireNonNull(host, "host");
        if (!host.equals(LOCALHOST) && !LOOPBACK_V4.matcher(host).matches()) {
            throw new IllegalArgumentException("announced host must be in 127.0.0.0/8 or be localhost, got " + host);
        }
        if (hostnameDomain != null) {
            if (!INVALID_DOMAIN.matcher(hostnameDomain).matches()) {
                throw new IllegalArgumentException("announced hostnames must end in .invalid (lower case), so that "
                        + "nothing resolves them; got " + hostnameDomain);
            }
            if (host.equals(LOCALHOST)) {
                throw new IllegalArgumentException("hostnames are for clusters, whose cluster-announce-ip needs an IP,"
                        + " not localhost");
            }
        }
        if (portOffset == 0 && listensOn(host) && hostnameDomain == null) {
            throw new IllegalArgumentException(host + " with port offset 0 is where the nodes listen, not a NAT");
        }
    }

    /** No hostnames: as for a Sentinel deployment. */
    public Announce(String host, int portOffset) {
        this(host, portOffset, null);
    }

    /**
     * {@code 127.0.0.1:(port + offset)}. 10000 is the safe choice: the testkit hands out ports whose
     * {@code port + 10000} it also checked free and keeps from other nodes (the cluster bus port).
     */
    public static Announce portOffset(int offset) {
        return new Announce(RedisEndpoint.LOOPBACK, offset);
    }

    /**
     * {@code host:port}, the port kept: the form a host-only {@code nat} entry maps, e.g.
     * {@code "127.0.0.2" = "127.0.0.1"}.
     */
    public static Announce host(String host) {
        return new Announce(host, 0);
    }

    /**
     * Cluster nodes announce only a hostname, {@code <node name>.<domain>}, and prefer it
     * ({@code cluster-preferred-endpoint-type hostname}); their IP and port fields stay where they
     * listen. E.g. {@code Announce.hostnames("respproxy.invalid")}: {@code node-1.respproxy.invalid}.
     */
    public static Announce hostnames(String domain) {
        return new Announce(RedisEndpoint.LOOPBACK, 0, Objects.requireNonNull(domain, "domain"));
    }

    /** This port offset with another host, e.g. {@code Announce.portOffset(10000).withHost("localhost")}. */
    public Announce withHost(String otherHost) {
        return new Announce(otherHost, portOffset, hostnameDomain);
    }

    /**
     * This announce, and each cluster node announces the hostname {@code <node name>.<domain>} as its
     * preferred endpoint too: {@code Announce.host("127.0.0.2").withHostnames("respproxy.invalid")}.
     * Redis Cluster only, redis 7.0+.
     */
    public Announce withHostnames(String domain) {
        return new Announce(host, portOffset, Objects.requireNonNull(domain, "domain"));
    }

    /** True when cluster nodes announce hostnames as well. */
    public boolean hasHostnames() {
        return hostnameDomain != null;
    }

    /** The hostname the node named {@code nodeName} announces, or null without hostnames. */
    public String hostnameFor(String nodeName) {
        return hostnameDomain == null ? null : nodeName + "." + hostnameDomain;
    }

    /** True when the announced host is a name ({@code localhost}), not an IP literal. */
    public boolean isHostname() {
        return host.equals(LOCALHOST);
    }

    /** The address (IP form) a node listening on 127.0.0.1:{@code port} announces. */
    public RedisEndpoint endpointFor(int port) {
        int announced = port + portOffset;
        if (announced <= 0 || announced > 65535) {
            throw new IllegalArgumentException("port " + port + " + offset " + portOffset + " is out of range");
        }
        return new RedisEndpoint(host, announced);
    }

    /** The IP literal the relay for {@code host} listens on (localhost: 127.0.0.1, as Redis resolves it). */
    String listenHost() {
        return isHostname() ? RedisEndpoint.LOOPBACK : host;
    }

    private static boolean listensOn(String host) {
        return host.equals(RedisEndpoint.LOOPBACK) || host.equals(LOCALHOST);
    }
}
