package io.respproxy.testkit;

import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Redis Cluster of masters and replicas (default 3 + 3), slots split evenly, cluster-node-timeout
 * 2 s. Start with {@link RedisTopologies#cluster()}.
 *
 * <p>Roles change under failover, so {@link #masters()} and {@link #replicas()} ask each node now.
 * A running cluster grows and shrinks: {@link #addMaster()}, {@link #moveSlot}, {@link #removeNode}.
 *
 * <p><b>Behind NAT</b> ({@link Builder#announce(Announce)}, redis 7.0+): every node announces an
 * address only the cluster's own nodes reach, and a client needs {@link #natMap()} (or
 * {@link #hostnameMap()}) to use what the cluster tells it.
 * <pre>{@code
 * try (RedisCluster c = RedisTopologies.cluster().announce(Announce.portOffset(10000)).start()) {
 *     Map<RedisEndpoint, RedisEndpoint> nat = c.natMap();   // 127.0.0.1:(port + 10000) -> 127.0.0.1:port
 * }
 * try (RedisCluster c = RedisTopologies.cluster()
 *         .announce(Announce.host("127.0.0.2").withHostnames("respproxy.invalid")).start()) {
 *     Map<String, RedisEndpoint> names = c.hostnameMap();   // node-1.respproxy.invalid -> 127.0.0.1:port
 * }
 * }</pre>
 * Each node announces {@code cluster-announce-ip}/{@code -port} (and {@code replica-announce-*},
 * so a master's INFO lists its replicas the same way), connects from {@value NatRelay#INSIDE}
 * ({@code bind-source-addr}), and has its cluster bus on a port of its own ({@code cluster-port}),
 * announced through {@code cluster-announce-bus-port} on the announced host: the bus port is
 * relayed like the client port, so gossip, failover votes and replication all go through the NAT,
 * and CLUSTER MEET names the announced addresses. A client outside gets its connection reset there.
 * What the cluster says, as observed on redis 7.0.15 (P a node's port, Q its bus port):
 * <ul>
 * <li>{@code Announce.portOffset(10000)}: CLUSTER NODES {@code 127.0.0.1:P+10000@Q+10000}; CLUSTER
 *     SHARDS {@code ip 127.0.0.1, port P+10000, endpoint 127.0.0.1} (no {@code hostname} field);
 *     CLUSTER SLOTS {@code [127.0.0.1, P+10000, id, {}]}; {@code -MOVED slot 127.0.0.1:P+10000}
 *     and {@code -ASK} alike. A replica's INFO says {@code master_host:127.0.0.1},
 *     {@code master_port:P+10000} (it replicates through the relay) and its master's INFO lists it
 *     at its announced port.</li>
 * <li>{@code Announce.host("127.0.0.2").withHostnames("respproxy.invalid")} (the port kept):
 *     CLUSTER NODES {@code 127.0.0.2:P@Q,node-1.respproxy.invalid}; CLUSTER SHARDS
 *     {@code ip 127.0.0.2, port P, endpoint node-1.respproxy.invalid, hostname node-1.respproxy.invalid};
 *     CLUSTER SLOTS {@code [node-1.respproxy.invalid, P, id, {ip: 127.0.0.2}]};
 *     {@code -MOVED slot node-1.respproxy.invalid:P}. Replication still goes to the master's
 *     {@code ip} and port (INFO {@code master_host:127.0.0.2}): Redis never resolves the names.</li>
 * <li>Either way a replica whose replication offset is still 0 (nothing written since it synced) is
 *     {@code health loading} in CLUSTER SHARDS and left out of CLUSTER SLOTS.</li>
 * <li>With {@code cluster-preferred-endpoint-type unknown-endpoint} added ({@link Builder#extraConfig}):
 *     CLUSTER SHARDS {@code endpoint ""} beside the {@code ip}, CLUSTER SLOTS a null host
 *     ({@code $-1}) with {@code {ip: ...}}, {@code -MOVED slot :port}: "where you asked, this port".
 *     With hostnames preferred and a node that has none: {@code endpoint ?}, {@code -MOVED slot ?:port}.</li>
 * </ul>
 * A node that announces a hostname but connects from {@value NatRelay#INSIDE} without announcing an
 * IP is recorded by the others at {@code 127.0.0.3}, where nothing listens: the handshake never
 * completes (hence {@code cluster-announce-ip} always). MIGRATE connects from 127.0.0.1, not from
 * the inside address: move keys to a node's real address ({@link RedisNode#endpoint()}).
 */
public final class RedisCluster extends ProcessTopology {

    private final Duration nodeTimeout;
    /** What {@link #awaitStable} expects; {@link #addMaster} and {@link #removeNode} change it. */
    private volatile int masterCount;
    private volatile int replicaCount;
    /** Nodes ever started: names ({@code node-N}) and dirs are never used twice. */
    private final AtomicInteger started = new AtomicInteger();
    /** Node ids survive restarts (nodes.conf in the node's dir), so they are fetched once. */
    private final Map<RedisNode, String> ids = new ConcurrentHashMap<>();

    private RedisCluster(TopologySettings settings, Duration nodeTimeout, int masterCount, int replicaCount,
                         Announce announce) {
        super("cluster", settings, announce);
        this.nodeTimeout = nodeTimeout;
        this.masterCount = masterCount;
        this.replicaCount = replicaCount;
    }

    /** A fresh node in cluster mode, knowing no other: the topology's credentials, announce and extra lines. */
    private RedisNode startClusterNode() {
        String name = "node-" + started.incrementAndGet();
        return startDataNode(name, port -> {
            List<String> lines = new ArrayList<>(RedisConf.server(port, dir.resolve(name), settings.auth()));
            lines.addAll(RedisConf.cluster((int) nodeTimeout.toMillis()));
            return lines;
        });
    }

    /**
     * A cluster node announces its IP form relayed (client and bus port), and its hostname if any.
     * A node reached where it listens (only a hostname announced) gets no relay and keeps its own
     * source address (protected mode would refuse a connection from the inside address).
     */
    @Override
    NodeAnnounce announceFor(String name, int port, boolean sentinel, Announce a) {
        RedisEndpoint ip = a.endpointFor(port);
        String hostname = a.hostnameFor(name);
        RedisEndpoint endpoint = hostname == null ? ip : new RedisEndpoint(hostname, ip.port());
        if (ip.equals(RedisEndpoint.loopback(port))) {
            return new NodeAnnounce(endpoint, ip, 0, RedisConf.announceClusterNode(ip, 0, null, hostname), Map.of());
        }
        // A bus port of its own, whose + 10000 the allocator keeps free too: the announced bus port
        // with the usual offset, never where some node listens.
        int busPort = PortAllocator.shared().allocate();
        RedisEndpoint bus = a.endpointFor(busPort);
        Map<RedisEndpoint, RedisEndpoint> relays = new LinkedHashMap<>();
        relays.put(ip, RedisEndpoint.loopback(port));
        relays.put(bus, RedisEndpoint.loopback(busPort));
        return new NodeAnnounce(endpoint, ip, bus.port(), RedisConf.announceClusterNode(ip, busPort, bus, hostname),
                relays);
    }

    /**
     * Where {@code node} says it is: the {@code endpoint} and {@code port} of CLUSTER SHARDS, the
     * host and port of CLUSTER SLOTS and of -MOVED / -ASK. Its hostname with
     * {@link Announce#withHostnames}, its announced IP and port with an announce, else
     * {@link RedisNode#endpoint()}.
     */
    @Override
    public RedisEndpoint announcedEndpoint(RedisNode node) {
        return super.announcedEndpoint(node);
    }

    /**
     * The {@code ip} and {@code port} CLUSTER SHARDS and CLUSTER NODES list for {@code node}:
     * {@link #announcedEndpoint} but for a hostname announce.
     */
    public RedisEndpoint announcedIpEndpoint(RedisNode node) {
        NodeAnnounce a = nodeAnnounce(node);
        return a == null ? node.endpoint() : a.ipEndpoint();
    }

    /** How the nodes announce themselves, if {@link Builder#announce(Announce)} was set. */
    @Override
    public Optional<Announce> announce() {
        return super.announce();
    }

    /**
     * {@link #announcedEndpoint} to the real address, for every node that announces another one:
     * the exact {@code "host:port" = "host:port"} entries of a proxy's {@code nat} setting. Keyed by
     * hostname with {@link Announce#withHostnames}. Empty without an announce.
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

    /**
     * Each announced hostname to the node's real address, in node order; empty without
     * {@link Announce#withHostnames}. With the port kept (an offset of 0), host-only {@code nat}
     * entries suffice: {@code "node-1.respproxy.invalid" = "127.0.0.1"}.
     */
    public Map<String, RedisEndpoint> hostnameMap() {
        Map<String, RedisEndpoint> out = new LinkedHashMap<>();
        announce().filter(Announce::hasHostnames).ifPresent(a -> {
            for (RedisNode n : nodes()) {
                out.put(a.hostnameFor(n.name()), n.endpoint());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** Running nodes whose ROLE says master. */
    public List<RedisNode> masters() {
        return withRole(NodeRole.MASTER);
    }

    /** Running nodes whose ROLE says replica. */
    public List<RedisNode> replicas() {
        return withRole(NodeRole.REPLICA);
    }

    private List<RedisNode> withRole(NodeRole role) {
        return nodes().stream().filter(n -> n.isRunning() && !n.isPaused())
                .filter(n -> n.role() == role).toList();
    }

    /** The node's cluster node id ({@code CLUSTER MYID}). */
    public String nodeId(RedisNode node) {
        return ids.computeIfAbsent(node, ClusterBootstrap::nodeId);
    }

    /** The nodes {@code master}'s view of the cluster lists as its replicas; asked of any running node. */
    public List<RedisNode> replicasOf(RedisNode master) {
        String id = nodeId(master);
        List<ClusterNodesLine> view = ClusterBootstrap.nodesSeenBy(anyRunning());
        List<RedisNode> out = new ArrayList<>();
        for (ClusterNodesLine l : view) {
            if (l.isReplica() && id.equals(l.masterId())) {
                // CLUSTER NODES lists the announced port, unique in the cluster
                nodes().stream().filter(n -> announcedIpEndpoint(n).port() == l.port()).findFirst()
                        .ifPresent(out::add);
            }
        }
        return out;
    }

    /** Waits until every running node reports {@code cluster_state:ok} with all slots served. */
    public void awaitClusterOk(Duration timeout) {
        for (RedisNode n : nodes()) {
            if (n.isRunning() && !n.isPaused()) {
                Poll.untilTrue(timeout, n + " to report cluster_state:ok", () -> {
                    Map<String, String> info = Info.cluster(n);
                    return "ok".equals(info.get("cluster_state"))
                            && Integer.toString(ClusterBootstrap.SLOTS).equals(info.get("cluster_slots_ok"));
                });
            }
        }
    }

    /**
     * Waits until every node runs and agrees: cluster_state:ok, the original number of masters and
     * replicas, none flagged failed, replicas in sync. Use after restarting killed nodes.
     */
    public void awaitStable(Duration timeout) {
        ClusterBootstrap.awaitSettled(nodes(), masterCount, replicaCount, timeout);
    }

    /**
     * Waits until a node that replicated {@code oldMaster} is a master (after {@code oldMaster} was
     * killed or paused), then until the cluster is ok again.
     *
     * @return the promoted node
     */
    public RedisNode awaitPromotedReplica(RedisNode oldMaster, List<RedisNode> itsReplicas, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisNode promoted = Poll.until(timeout, "a replica of " + oldMaster + " to become master", () ->
                itsReplicas.stream().filter(RedisNode::isRunning)
                        .filter(r -> r.role() == NodeRole.MASTER).findFirst());
        awaitClusterOk(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())).plusSeconds(1));
        return promoted;
    }

    /**
     * {@code CLUSTER FAILOVER} on {@code replica} (a coordinated, lossless failover) and waits until
     * it is master and the cluster is ok.
     */
    public void failover(RedisNode replica, Duration timeout) {
        replica.admin().call(replica.endpoint(), replica.auth(), c -> c.clusterFailover(false));
        Poll.untilTrue(timeout, replica + " to become master after CLUSTER FAILOVER",
                () -> replica.role() == NodeRole.MASTER);
        awaitClusterOk(timeout);
    }

    /**
     * The running master that serves {@code key}'s slot now, as the masters say: the one that
     * answers it without -MOVED (whatever address the cluster announces).
     */
    public RedisNode masterOf(String key) {
        for (RedisNode m : masters()) {
            try {
                m.admin().call(m.endpoint(), m.auth(), c -> c.exists(key));
                return m;
            } catch (RedisCommandExecutionException e) {
                if (!String.valueOf(e.getMessage()).startsWith("MOVED ")) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("no master serves " + key);
    }

    /**
     * Moves {@code slot} and its keys from master {@code from} to master {@code to}, as
     * {@code redis-cli --cluster reshard} does: IMPORTING, MIGRATING, MIGRATE key by key (10 at a
     * time, to {@code to}'s real address), SETSLOT NODE on both and then on every other master.
     * Paced for clients that use the slot meanwhile, so that they meet -ASK: 300 ms after
     * MIGRATING and 200 ms after each batch.
     */
    public void moveSlot(int slot, RedisNode from, RedisNode to) {
        SlotMigration.run(this, slot, from, to);
    }

    /**
     * Adds a master, as {@code redis-cli --cluster add-node} does: a new redis-server on loopback
     * with the same settings as the others (binary, password or ACL user, cluster-node-timeout,
     * {@link Builder#extraConfig extra lines}, and with an {@link Builder#announce announce} its
     * announced address, bus port and relays, as tested with {@link Announce#portOffset};
     * {@link #natMap()} and {@link #hostnameMap()} then list it), which a node {@code CLUSTER MEET}s. Returns once every node lists it
     * and it lists every node, none failed or in handshake, and it reports cluster_state:ok. It
     * serves no slot: give it some with {@link #moveSlot}, and it counts as a master for
     * {@link #awaitStable}.
     *
     * <p>Not supported: adding a replica, or adding a node while some node is down or paused
     * ({@link IllegalStateException}: it would miss the news). A proxy configured with
     * {@link #natMap()} knows the new node's entry only once it is told (a reload).
     */
    public synchronized RedisNode addMaster() {
        List<RedisNode> members = nodes();
        RedisNode n = startClusterNode();
        try {
            ClusterMembership.join(this, members, n, awaitTimeout());
        } catch (RuntimeException | Error e) {
            retire(n);
            throw e;
        }
        masterCount++;
        awaitClusterOk(awaitTimeout());
        return n;
    }

    /**
     * Takes {@code node} out of the cluster for good, as {@code redis-cli --cluster del-node} does:
     * once every node sees it serve no slot (move its slots away first with {@link #moveSlot}),
     * {@code CLUSTER FORGET} on every other node in a row (within the 60 s for which each bans it
     * from coming back through gossip), then SIGKILL by its pid. Returns once no node lists it. It
     * leaves {@link #nodes()} (and {@link #masters()}, {@link #natMap()}; its relays close), but its
     * pids stay in {@link #startedPids()}, so a test can check it is gone.
     *
     * <p>Not supported ({@link IllegalStateException}, nothing changed): a node that still serves
     * slots, a master that has replicas (redis-cli moves them to another master first), or any
     * other node down or paused (it would not forget it and would gossip it back).
     */
    public synchronized void removeNode(RedisNode node) {
        if (!nodes().contains(node)) {
            throw new IllegalArgumentException(node + " is not a node of this cluster");
        }
        List<RedisNode> others = nodes().stream().filter(n -> n != node).toList();
        boolean master = node.role() == NodeRole.MASTER;
        ClusterMembership.remove(this, others, node, awaitTimeout(), () -> retire(node));
        ids.remove(node);
        if (master) {
            masterCount--;
        } else {
            replicaCount--;
        }
    }

    /**
     * Waits until the running replicas hold {@code keys} keys between them ({@code DBSIZE}): what
     * was written to the masters has reached them.
     */
    public void awaitReplicaKeys(long keys, Duration timeout) {
        Poll.untilTrue(timeout, keys + " keys on the replicas", () -> replicas().stream()
                .mapToLong(r -> r.admin().call(r.endpoint(), r.auth(), c -> c.dbsize())).sum() == keys);
    }

    private RedisNode anyRunning() {
        Optional<RedisNode> n = nodes().stream().filter(x -> x.isRunning() && !x.isPaused()).findFirst();
        return n.orElseThrow(() -> new IllegalStateException("no cluster node is running"));
    }

    /** Builder for {@link RedisCluster}. */
    public static final class Builder extends TopologyBuilder<Builder> {

        private int masters = 3;
        private int replicasPerMaster = 1;
        private Duration nodeTimeout = Duration.ofMillis(2000);
        private Announce announce;

        Builder() {
        }

        /**
         * Every node announces the address {@code announce} gives it (and its hostname, with
         * {@link Announce#withHostnames}), which only the cluster's own nodes reach; see
         * {@link RedisCluster}. The host must be an IP literal. Needs redis 7.0+.
         */
        public Builder announce(Announce announce) {
            if (announce.isHostname()) {
                throw new IllegalArgumentException("cluster-announce-ip takes an IP literal, not " + announce.host()
                        + "; announce names with Announce.withHostnames");
            }
            this.announce = announce;
            return this;
        }

        /** How many masters (default 3). Fewer than 3 cannot fail over: a majority of masters must agree. */
        public Builder mastersCount(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("mastersCount < 1");
            }
            this.masters = count;
            return this;
        }

        /** Replicas per master (default 1). */
        public Builder replicasPerMaster(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("replicasPerMaster < 0");
            }
            this.replicasPerMaster = count;
            return this;
        }

        /** {@code cluster-node-timeout} (default 2 s): how long until a silent node is failed. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = timeout;
            return this;
        }

        /** Starts the nodes, builds the cluster and waits until it is ok and replicas are in sync. */
        public RedisCluster start() {
            TopologySettings s = settings();
            if (announce != null && !s.binary().version().isAtLeast(7, 0)) {
                throw new IllegalStateException("announced addresses need redis 7.0+ (bind-source-addr, cluster-port,"
                        + " cluster-announce-hostname), not " + s.binary());
            }
            int replicaCount = masters * replicasPerMaster;
            return startedOrClosed(new RedisCluster(s, nodeTimeout, masters, replicaCount, announce), t -> {
                List<RedisNode> m = new ArrayList<>();
                List<RedisNode> r = new ArrayList<>();
                for (int i = 0; i < masters + replicaCount; i++) {
                    (i < masters ? m : r).add(t.startClusterNode());
                }
                new ClusterBootstrap(m, r, s.binary().version(), t.awaitTimeout(), t::nodeAnnounce).run();
            });
        }
    }
}
