package io.respproxy.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A master, its replicas and Sentinels monitoring it (down-after 1 s, failover-timeout 5 s by
 * default). Start with {@link RedisTopologies#sentinel()}.
 *
 * <p>"The master" is what the Sentinels say, so it changes after a failover.
 *
 * <p>With {@link Builder#announce(Announce)} every node announces an address only the topology's own
 * processes reach, as behind NAT: Sentinel replies name those, and a client needs {@link #natMap()}
 * to reach the nodes they name.
 */
public final class SentinelDeployment extends ProcessTopology {

    private final SentinelSettings sentinelSettings;
    private final Credentials sentinelAuth;
    private final List<RedisNode> dataNodes = new ArrayList<>();
    private final List<RedisNode> sentinels = new ArrayList<>();

    private SentinelDeployment(TopologySettings settings, SentinelSettings sentinelSettings, Credentials sentinelAuth,
                               Announce announce) {
        super("sentinel", settings, announce);
        this.sentinelSettings = sentinelSettings;
        this.sentinelAuth = sentinelAuth;
    }

    /** The name the Sentinels monitor the master under. */
    public String masterName() {
        return sentinelSettings.masterName();
    }

    /** Master and replicas, in start order (the first was the first master). */
    public List<RedisNode> dataNodes() {
        return List.copyOf(dataNodes);
    }

    public List<RedisNode> sentinels() {
        return List.copyOf(sentinels);
    }

    /** What a client's Sentinel list would hold. */
    public List<RedisEndpoint> sentinelEndpoints() {
        return sentinels.stream().map(RedisNode::endpoint).toList();
    }

    /**
     * What the Sentinels announce to each other and list in {@code SENTINEL SENTINELS}, in
     * {@link #sentinels()} order; {@link #sentinelEndpoints()} without an announce.
     */
    public List<RedisEndpoint> sentinelAnnouncedEndpoints() {
        return sentinels.stream().map(this::announcedEndpoint).toList();
    }

    /**
     * Where {@code node} (data node or Sentinel) says it is: what {@code SENTINEL REPLICAS},
     * {@code SENTINEL SENTINELS}, {@code GET-MASTER-ADDR-BY-NAME} and the master's INFO name it by.
     * Its {@link RedisNode#endpoint()} without an announce.
     */
    @Override
    public RedisEndpoint announcedEndpoint(RedisNode node) {
        return super.announcedEndpoint(node);
    }

    /** How the nodes announce themselves, if {@link Builder#announce(Announce)} was set. */
    @Override
    public Optional<Announce> announce() {
        return super.announce();
    }

    /**
     * Announced address to real address, for every data node and Sentinel: the entries of a proxy's
     * {@code nat} setting. Empty without an announce.
     */
    public Map<RedisEndpoint, RedisEndpoint> natMap() {
        Map<RedisEndpoint, RedisEndpoint> out = new LinkedHashMap<>();
        for (RedisNode n : nodes()) {
            RedisEndpoint a = announcedEndpoint(n);
            if (!a.equals(n.endpoint())) {
                out.put(a, n.endpoint());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The credentials the Sentinels themselves require, if any. */
    public Optional<Credentials> sentinelCredentials() {
        return Optional.ofNullable(sentinelAuth);
    }

    /** The data node the first answering Sentinel names as master. */
    public RedisNode master() {
        for (RedisNode s : runningSentinels()) {
            try {
                return nodeAt(masterAddressSeenBy(s));
            } catch (RuntimeException e) {
                // try the next Sentinel
            }
        }
        throw new IllegalStateException("no Sentinel answered GET-MASTER-ADDR-BY-NAME " + masterName());
    }

    /** The data nodes other than {@link #master()}, running or not. */
    public List<RedisNode> replicas() {
        RedisNode m = master();
        return dataNodes.stream().filter(n -> n != m).toList();
    }

    /**
     * {@code SENTINEL FAILOVER} on the first running Sentinel, then waits until every running Sentinel
     * names the same new master and it says {@code master} to ROLE.
     *
     * @return the new master
     */
    public RedisNode failover(Duration timeout) {
        return failover(0, timeout);
    }

    /**
     * As {@link #failover(Duration)}, asking the {@code sentinel}-th running Sentinel (modulo their
     * number): failovers one after another from different Sentinels, as operators and scripts do.
     */
    public RedisNode failover(int sentinel, Duration timeout) {
        RedisNode old = master();
        List<RedisNode> running = runningSentinels();
        RedisNode asked = running.get(Math.floorMod(sentinel, running.size()));
        admin.callSentinel(asked.endpoint(), sentinelAuth, c -> c.failover(masterName()));
        return awaitNewMaster(old, timeout);
    }

    /** {@link #failover(Duration)} with a 30 s bound. */
    public RedisNode failover() {
        return failover(Duration.ofSeconds(30));
    }

    /**
     * Waits until every running Sentinel names one master other than {@code old}, and that node's ROLE
     * says master (Sentinels switch before the promoted replica has always finished).
     */
    public RedisNode awaitNewMaster(RedisNode old, Duration timeout) {
        return Poll.until(timeout, "Sentinels to agree on a master other than " + old, () -> {
            Set<RedisEndpoint> seen = runningSentinels().stream().map(this::masterAddressSeenBy)
                    .collect(Collectors.toSet());
            if (seen.size() != 1 || seen.contains(announcedEndpoint(old))) {
                return Optional.empty();
            }
            RedisNode candidate = nodeAt(seen.iterator().next());
            return candidate.role() == NodeRole.MASTER ? Optional.of(candidate) : Optional.empty();
        });
    }

    /** Waits until every running Sentinel names {@code expected} as master and it says master to ROLE. */
    public void awaitMaster(RedisNode expected, Duration timeout) {
        Poll.untilTrue(timeout, "Sentinels to agree on master " + expected, () ->
                runningSentinels().stream().allMatch(s -> masterAddressSeenBy(s).equals(announcedEndpoint(expected)))
                        && expected.role() == NodeRole.MASTER);
    }

    /**
     * Waits until every running data node other than the current master replicates it with its link up
     * (after a failover the others are re-pointed one by one: parallel-syncs 1). The master is asked
     * of the Sentinels again at each poll: on a loaded machine they may fail over once more meanwhile.
     */
    public void awaitReplicasInSync(Duration timeout) {
        Poll.untilTrue(timeout, "every running data node to replicate the master with its link up", () -> {
            RedisNode m = master();
            String masterPort = Integer.toString(announcedEndpoint(m).port());
            for (RedisNode r : dataNodes) {
                if (r != m && r.isRunning() && !r.isPaused()) {
                    Map<String, String> info = Info.replication(r);
                    if (!"slave".equals(info.get("role")) || !"up".equals(info.get("master_link_status"))
                            || !masterPort.equals(info.get("master_port"))) {
                        // the last error of a timeout: which node lagged, and how
                        throw new IllegalStateException(r + " does not replicate " + m + " with its link up: role "
                                + info.get("role") + ", master_port " + info.get("master_port") + ", link "
                                + info.get("master_link_status"));
                    }
                }
            }
            return true;
        });
    }

    private RedisEndpoint masterAddressSeenBy(RedisNode sentinel) {
        var addr = (java.net.InetSocketAddress) admin.callSentinel(sentinel.endpoint(), sentinelAuth,
                c -> c.getMasterAddrByName(masterName()));
        return new RedisEndpoint(addr.getHostString(), addr.getPort());
    }

    private RedisNode nodeAt(RedisEndpoint endpoint) {
        // By announced port: unique in the topology, and an extraConfig hook may change only the host.
        return dataNodes.stream().filter(n -> announcedEndpoint(n).port() == endpoint.port()).findFirst()
                .orElseThrow(() -> new IllegalStateException("Sentinel names " + endpoint + ", not a node of " + dir));
    }

    private List<RedisNode> runningSentinels() {
        List<RedisNode> r = sentinels.stream().filter(n -> n.isRunning() && !n.isPaused()).toList();
        if (r.isEmpty()) {
            throw new IllegalStateException("no Sentinel is running");
        }
        return r;
    }

    /**
     * Each Sentinel must know every replica and every other Sentinel, linked, or SENTINEL FAILOVER has
     * nothing to pick (and tests that list them see a link still pending).
     */
    private void awaitSentinelsDiscovered(int replicaCount) {
        for (RedisNode s : sentinels) {
            Poll.untilTrue(awaitTimeout(), s + " to see " + replicaCount + " replicas and "
                    + (sentinels.size() - 1) + " other Sentinels", () -> {
                Map<String, String> m = admin.callSentinel(s.endpoint(), sentinelAuth, c -> c.master(masterName()));
                return Objects.equals(m.get("num-slaves"), Integer.toString(replicaCount))
                        && Objects.equals(m.get("num-other-sentinels"), Integer.toString(sentinels.size() - 1))
                        && admin.callSentinel(s.endpoint(), sentinelAuth, c -> c.replicas(masterName())).stream()
                        .allMatch(r -> "slave".equals(r.get("flags")))
                        // and linked to each other Sentinel: a link still pending shows "disconnected"
                        && admin.callSentinel(s.endpoint(), sentinelAuth, c -> c.dispatch(
                                io.lettuce.core.protocol.CommandType.SENTINEL,
                                new io.lettuce.core.output.ListOfMapsOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                                new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                                        .add("SENTINELS").add(masterName()))).stream()
                        .allMatch(o -> "sentinel".equals(o.get("flags")));
            });
        }
    }

    /** Builder for {@link SentinelDeployment}. */
    public static final class Builder extends TopologyBuilder<Builder> {

        private String masterName = "mymaster";
        private int replicaCount = 2;
        private int sentinelCount = 3;
        private Integer quorum;
        private Duration downAfter = Duration.ofMillis(1000);
        private Duration failoverTimeout = Duration.ofMillis(5000);
        private Credentials sentinelAuth;
        private Announce announce;

        Builder() {
        }

        /** The monitored master's name (default {@code mymaster}). */
        public Builder masterName(String name) {
            this.masterName = Objects.requireNonNull(name);
            return this;
        }

        /** How many replicas (default 2). */
        public Builder replicas(int count) {
            this.replicaCount = count;
            return this;
        }

        /** How many Sentinels (default 3). */
        public Builder sentinels(int count) {
            this.sentinelCount = count;
            return this;
        }

        /** Sentinels that must agree the master is down (default: a majority). */
        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        /** {@code sentinel down-after-milliseconds} (default 1 s). */
        public Builder downAfter(Duration d) {
            this.downAfter = d;
            return this;
        }

        /** {@code sentinel failover-timeout} (default 5 s). */
        public Builder failoverTimeout(Duration d) {
            this.failoverTimeout = d;
            return this;
        }

        /** The Sentinels themselves require these credentials (from clients and from each other). */
        public Builder sentinelCredentials(Credentials auth) {
            this.sentinelAuth = auth;
            return this;
        }

        /**
         * Every node and Sentinel announces the address {@code announce} gives it, which only the
         * topology's own processes reach (see {@link Announce}); the Sentinels monitor the master there.
         * Needs redis 7.0+.
         */
        public Builder announce(Announce announce) {
            if (announce.hasHostnames()) {
                throw new IllegalArgumentException("announced hostnames are for clusters: Sentinel never promotes a "
                        + "replica it cannot resolve (see Announce)");
            }
            this.announce = announce;
            return this;
        }

        /** Starts master, replicas (in sync), then Sentinels, and waits until they have found each other. */
        public SentinelDeployment start() {
            if (sentinelCount < 1 || replicaCount < 0) {
                throw new IllegalArgumentException("need at least one Sentinel and no negative replica count");
            }
            TopologySettings s = settings();
            if (announce != null && !s.binary().version().isAtLeast(7, 0)) {
                throw new IllegalStateException("announced addresses need redis 7.0+ (bind-source-addr), not "
                        + s.binary());
            }
            SentinelSettings ss = new SentinelSettings(masterName, quorum != null ? quorum : sentinelCount / 2 + 1,
                    (int) downAfter.toMillis(), (int) failoverTimeout.toMillis());
            return startedOrClosed(new SentinelDeployment(s, ss, sentinelAuth, announce), t -> {
                MasterReplicaSet set = MasterReplicaSet.start(t, replicaCount);
                t.dataNodes.add(set.master());
                t.dataNodes.addAll(set.replicas());
                for (int i = 1; i <= sentinelCount; i++) {
                    String name = "sentinel-" + i;
                    t.sentinels.add(t.startNode(name, true, sentinelAuth, port -> RedisConf.sentinel(port,
                            t.dir.resolve(name), ss, t.announcedEndpoint(set.master()), s.auth(), sentinelAuth)));
                }
                t.awaitSentinelsDiscovered(replicaCount);
            });
        }
    }
}
