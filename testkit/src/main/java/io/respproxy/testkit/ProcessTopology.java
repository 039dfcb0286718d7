package io.respproxy.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every process-based topology shares: its dir, its admin client, its nodes and their cleanup. */
abstract class ProcessTopology implements RedisTopology {

    /** Set to true to keep node dirs (configs, logs) after close, for debugging. */
    static final String KEEP_DIRS_PROPERTY = "respproxy.testkit.keepDirs";

    private static final Logger LOG = LoggerFactory.getLogger(ProcessTopology.class);

    final TopologySettings settings;
    final Path dir;
    final AdminClient admin = new AdminClient();
    private final List<RedisNode> nodes = new CopyOnWriteArrayList<>();
    /** Nodes taken out of the topology ({@link #retire}): dead, but their pids still count as started. */
    private final List<RedisNode> retired = new CopyOnWriteArrayList<>();
    /** Null: every node announces where it listens. */
    private final Announce announce;
    private final Map<RedisNode, NodeAnnounce> announced = new ConcurrentHashMap<>();
    private final Map<RedisNode, List<NatRelay>> relays = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ProcessTopology(String kind, TopologySettings settings) {
        this(kind, settings, null);
    }

    /** @param announce where nodes say they are (each behind a {@link NatRelay}), or null */
    ProcessTopology(String kind, TopologySettings settings, Announce announce) {
        this.settings = settings;
        this.dir = TestkitDirs.newTopologyDir(kind);
        this.announce = announce;
    }

    /** Starts a data node with the topology's credentials, the given lines and the caller's extra lines. */
    RedisNode startDataNode(String name, IntFunction<List<String>> lines) {
        return startNode(name, false, settings.auth(), lines);
    }

    /**
     * Starts a node with {@code lines}, then its announce lines if the topology announces, then the
     * caller's extra lines; with an announce, also the relays on its announced addresses.
     */
    RedisNode startNode(String name, boolean sentinel, Credentials clientAuth, IntFunction<List<String>> lines) {
        // Set on each attempt: a retry on another port announces (and relays) other addresses.
        AtomicReference<NodeAnnounce> chosen = new AtomicReference<>();
        RedisNode node = RedisNode.start(name, sentinel, dir, settings.binary(), clientAuth, admin,
                settings.startTimeout(), port -> {
                    List<String> all = new ArrayList<>(lines.apply(port));
                    if (announce != null) {
                        NodeAnnounce a = announceFor(name, port, sentinel, announce);
                        chosen.set(a);
                        all.addAll(a.lines());
                    }
                    all.addAll(settings.extraConfig().linesFor(new NodeSpec(name, port, sentinel)));
                    return all;
                });
        nodes.add(node);
        if (announce != null) {
            NodeAnnounce a = chosen.get();
            announced.put(node, a);
            List<NatRelay> its = new CopyOnWriteArrayList<>();
            relays.put(node, its);
            a.relays().forEach((from, to) -> its.add(NatRelay.open(from, announce.listenHost(), to)));
        }
        return node;
    }

    /**
     * Cuts {@code node} off from the topology's other processes (a topology that announces, whose
     * processes reach each other through relays only): no byte passes between it and them either
     * way until {@link #heal}, while it runs on and answers anyone who reaches it directly (a
     * proxy with a {@code nat} map). Its replicas, its master and the Sentinels see it silent;
     * what it sends out itself (a replica's link to its master) goes through the others' relays,
     * so partition both ends to cut that too.
     */
    public void partition(RedisNode node) {
        relaysOf(node).forEach(r -> r.partition(true));
    }

    /** Ends {@link #partition}: what was held on its connections passes now. */
    public void heal(RedisNode node) {
        relaysOf(node).forEach(r -> r.partition(false));
    }

    private List<NatRelay> relaysOf(RedisNode node) {
        List<NatRelay> its = relays.get(node);
        if (its == null) {
            throw new IllegalStateException(node + " has no relays: partitions need a topology that announces");
        }
        return its;
    }

    /**
     * Kills {@code node} and takes it out of {@link #nodes()}, with its relays: it has left the
     * topology for good. Its pids stay in {@link #startedPids()}, so a test can check it is gone.
     */
    void retire(RedisNode node) {
        if (!nodes.contains(node)) {
            throw new IllegalArgumentException(node + " is not a node of this topology");
        }
        node.kill();
        nodes.remove(node);
        retired.add(node);
        announced.remove(node);
        List<NatRelay> its = relays.remove(node);
        if (its != null) {
            its.forEach(NatRelay::close);
        }
    }

    /**
     * How a node listening on {@code port} announces itself: by default as in a Sentinel deployment
     * (one relayed address, {@code replica-announce-*} or {@code sentinel announce-*}).
     */
    NodeAnnounce announceFor(String name, int port, boolean sentinel, Announce a) {
        return NodeAnnounce.sentinelStyle(a, port, sentinel);
    }

    /** Where {@code node} says it is: its announced address, or where it listens. */
    RedisEndpoint announcedEndpoint(RedisNode node) {
        NodeAnnounce a = announced.get(node);
        return a == null ? node.endpoint() : a.endpoint();
    }

    /** How {@code node} announces itself, or null when the topology does not announce. */
    NodeAnnounce nodeAnnounce(RedisNode node) {
        return announced.get(node);
    }

    /** The announce of this topology, if its nodes announce addresses of their own. */
    Optional<Announce> announce() {
        return Optional.ofNullable(announce);
    }

    /** Runs the rest of a builder's start; on failure closes what was started so nothing leaks. */
    static <T extends ProcessTopology> T startedOrClosed(T topology, java.util.function.Consumer<T> start) {
        try {
            start.accept(topology);
            return topology;
        } catch (RuntimeException | Error e) {
            topology.close();
            throw e;
        }
    }

    Duration awaitTimeout() {
        return settings.startTimeout();
    }

    @Override
    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    /** Every pid any node ever ran as, retired nodes included. */
    @Override
    public Set<Long> startedPids() {
        Set<Long> pids = new HashSet<>(RedisTopology.super.startedPids());
        retired.forEach(n -> pids.addAll(n.startedPids()));
        return Set.copyOf(pids);
    }

    @Override
    public Optional<Credentials> credentials() {
        return Optional.ofNullable(settings.auth());
    }

    @Override
    public RedisBinary binary() {
        return settings.binary();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        // Retired nodes were killed when they left: a no-op unless that failed.
        for (RedisNode n : Stream.concat(nodes.stream(), retired.stream()).toList()) {
            try {
                n.kill();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        relays.values().forEach(its -> its.forEach(NatRelay::close));
        admin.close();
        if (Boolean.getBoolean(KEEP_DIRS_PROPERTY)) {
            LOG.info("keeping {}", dir);
        } else {
            TestkitDirs.deleteTree(dir);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
