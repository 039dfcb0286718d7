package io.respproxy.health;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether each node of a set is fit to serve, apart from where the set comes from (static servers
 * today, Sentinel and Cluster next): full probes (PING + INFO) every interval judged with
 * rise/fall; role checks ({@code INFO replication}) of up nodes on a shorter cadence, and at once
 * when a node closes the monitor's connection (a node being reconfigured kills its clients);
 * passive marks from the data path, confirmed or withdrawn by an immediate probe; and the server
 * facts the nodes report (Redis version). Addresses read from INFO pass through the {@code nat}
 * map. All state lives on one scheduler thread; the listener is called there, with every node's
 * state, after each change. The monitor owns the node set, the schedules, the order of answers
 * and the listener; each node's own state machine is a {@link WatchedNode}.
 */
public final class NodeHealthMonitor implements ServerFacts, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeHealthMonitor.class);

    // Package-private: the watched nodes (WatchedNode) use them, on the scheduler thread.
    final String service;
    final HealthSettings settings;
    final Duration roleCheckTimeout;
    final NodeProber prober;
    final ScheduledExecutorService scheduler;
    final AnnouncedAddresses announced;
    private final ClientResources resources;
    private final boolean ownsResources;
    private final Map<NodeAddress, WatchedNode> nodes = new LinkedHashMap<>();
    private Consumer<List<NodeState>> listener = s -> { };
    private volatile List<NodeState> states = List.of();
    private volatile String redisVersion;
    /** Orders the replies of probes and role checks: older facts never overwrite newer ones. */
    private long sequence;
    private boolean probing;

    /**
     * @param backendUser     ACL user for the probes, or null
     * @param backendPassword password for the probes, or null (kept in memory only, never logged)
     */
    public NodeHealthMonitor(String service, HealthSettings settings, AddressMap nat,
                             String backendUser, char[] backendPassword) {
        this(service, settings, nat, backendUser, backendPassword, null);
    }

    /**
     * @param resources Lettuce's threads, shared with the caller (not shut down by {@link #close()}),
     *                  or null for a small set of the monitor's own
     */
    public NodeHealthMonitor(String service, HealthSettings settings, AddressMap nat,
                             String backendUser, char[] backendPassword, ClientResources resources) {
        this.service = service;
        this.settings = settings;
        this.announced = new AnnouncedAddresses(service, nat);
        this.ownsResources = resources == null;
        this.resources = resources != null ? resources
                : DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "respproxy-health-" + service);
            t.setDaemon(true);
            return t;
        });
        this.roleCheckTimeout = roleCheckTimeout(settings);
        this.prober = new NodeProber(this.resources, settings.timeout(), roleCheckTimeout, backendUser, backendPassword,
                node -> scheduler.execute(() -> closedByNode(node)));
    }

    @Override
    public void observeReplication(ReplicationObserver observer) {
        prober.observe(observer);
    }

    /**
     * A role check that has not answered within a few role-check intervals is abandoned and its
     * connection dialled again: waiting the full probe timeout would leave a promotion unseen that
     * long (the full probes, with the full timeout, still judge whether the node is up).
     */
    static Duration roleCheckTimeout(HealthSettings settings) {
        Duration few = settings.roleCheckInterval().multipliedBy(3);
        Duration floor = Duration.ofMillis(250);
        Duration t = few.compareTo(floor) < 0 ? floor : few;
        return t.compareTo(settings.timeout()) > 0 ? settings.timeout() : t;
    }

    /**
     * Starts probing {@code watch}; {@code listener} gets every node's state after each change, on
     * the monitor's thread.
     */
    public void start(Collection<NodeAddress> watch, Consumer<List<NodeState>> listener) {
        scheduler.execute(() -> {
            this.listener = listener;
            for (NodeAddress n : watch) {
                nodes.putIfAbsent(n, new WatchedNode(n, this));
            }
            states = snapshot();
        });
        scheduler.scheduleWithFixedDelay(this::probeAll, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        if (settings.roleCheckInterval().compareTo(settings.interval()) < 0) {
            long every = settings.roleCheckInterval().toMillis();
            scheduler.scheduleWithFixedDelay(this::checkRoles, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Watches exactly {@code watch} from now on (Sentinel and Cluster learn their nodes as they
     * go): new nodes are probed at once, nodes no longer in the set are forgotten. Any thread.
     */
    public void watch(Collection<NodeAddress> watch) {
        Set<NodeAddress> wanted = Set.copyOf(watch);
        scheduler.execute(() -> {
            boolean removed = nodes.keySet().retainAll(wanted);
            List<NodeAddress> added = new ArrayList<>();
            for (NodeAddress n : wanted) {
                if (!nodes.containsKey(n)) {
                    nodes.put(n, new WatchedNode(n, this));
                    added.add(n);
                }
            }
            if (removed || !added.isEmpty()) {
                if (!added.isEmpty()) {
                    log.info("[{}] watching {} too", service, added);
                }
                changed();
            }
            for (NodeAddress n : added) {
                WatchedNode t = nodes.get(n);
                long seq = ++sequence;
                prober.probe(n).whenCompleteAsync((result, e) -> {
                    if (watches(t)) {
                        t.applyProbe(seq, result);
                        changed();
                    }
                }, scheduler);
            }
        });
    }

    /**
     * {@code node}'s {@code INFO replication} now, asked on the role-check connection (its offset,
     * for a switchover waiting for replicas to catch up). Fails when the node does not answer. Any thread.
     */
    public CompletableFuture<ReplicationInfo> replicationNow(NodeAddress node) {
        return prober.roleCheck(node).thenApply(r -> {
            if (!r.ok() || r.replication() == null) {
                throw new IllegalStateException(node + " did not answer INFO replication: " + r.failure());
            }
            return r.replication();
        });
    }

    /** Every watched node's state now (any thread). */
    public List<NodeState> states() {
        return states;
    }

    @Override
    public List<NodeState> nodeStates() {
        return states;
    }

    /** The Redis version the master reports (any node's until a master answered), or null. Any thread. */
    @Override
    public String redisVersion() {
        return redisVersion;
    }

    /**
     * The data path saw {@code node} fail: down at once, then probed at once; if it answers and
     * was up before, it is up again (a dropped connection, not a dead node). Any thread.
     */
    public void markDown(NodeAddress node, String why) {
        scheduler.execute(() -> {
            WatchedNode t = nodes.get(node);
            if (t != null) {
                t.mark(why);
            }
        });
    }

    /**
     * {@code node} closed or reset a data-path connection but accepts new ones: its role is in
     * doubt until a role check answers (see {@link #closedByNode}). Any thread.
     */
    public void connectionClosedBy(NodeAddress node) {
        scheduler.execute(() -> recheck(node, "closed a data-path connection", false));
    }

    /**
     * {@code node}, published as master, answered -READONLY: no writes go to it until a role check
     * says what it is now. Any thread.
     */
    public void reportReadOnly(NodeAddress node) {
        scheduler.execute(() -> recheck(node, "answered -READONLY", true));
    }

    /** Checks every up node's role now (a role error or redirect was seen). Coalesced; any thread. */
    public void checkRolesNow() {
        scheduler.execute(this::checkRoles);
    }

    /**
     * A node closed the monitor's connection: Sentinel (and operators' scripts) kill a node's
     * clients when they reconfigure it. Its role is in doubt until a role check answers, and
     * writes wait for that (one round trip) rather than go to a master that may have just been
     * superseded.
     */
    private void closedByNode(NodeAddress node) {
        recheck(node, "closed the health connection", false);
    }

    /** Checks an up node's role at once, its role in doubt meanwhile (see {@link WatchedNode#recheck}). */
    private void recheck(NodeAddress node, String why, boolean evenIfMaster) {
        WatchedNode t = nodes.get(node);
        if (t != null) {
            t.recheck(why, evenIfMaster);
        }
    }

    private void probeAll() {
        if (probing) {
            return;
        }
        probing = true;
        List<NodeAddress> targets = new ArrayList<>(nodes.keySet());
        List<CompletableFuture<ProbeResult>> results = new ArrayList<>(targets.size());
        long seq = ++sequence;
        for (NodeAddress n : targets) {
            results.add(prober.probe(n));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, e) -> {
            probing = false;
            for (int i = 0; i < targets.size(); i++) {
                WatchedNode t = nodes.get(targets.get(i));
                if (t != null) {
                    t.applyProbe(seq, results.get(i).join());
                }
            }
            changed();
        }, scheduler);
    }

    /** Checks every up node's role (a node with a check in flight is not asked twice). */
    void checkRoles() {
        for (WatchedNode t : nodes.values()) {
            if (t.state().up()) {
                t.checkRole();
            }
        }
    }

    /** Orders the probes and role checks sent, and the marks and doubts raised, across all nodes. */
    long nextSequence() {
        return ++sequence;
    }

    /** False once {@code t} is forgotten (its answers then change nothing). */
    boolean watches(WatchedNode t) {
        return nodes.get(t.address()) == t;
    }

    /** A full probe answered (with replication facts): the master's Redis version, or any node's until then. */
    void versionAnswered(ProbeResult result) {
        if (result.redisVersion() != null && (redisVersion == null
                || result.replication().role() == ReplicationInfo.Role.MASTER)) {
            redisVersion = result.redisVersion();
        }
    }

    /** Publishes every node's state and tells the listener. */
    void changed() {
        states = snapshot();
        try {
            listener.accept(states);
        } catch (RuntimeException e) {
            // The monitor must outlive a faulty listener: a throw here would cancel its schedule.
            log.error("[{}] topology listener failed", service, e);
        }
    }

    private List<NodeState> snapshot() {
        List<NodeState> out = new ArrayList<>(nodes.size());
        for (WatchedNode t : nodes.values()) {
            out.add(t.state());
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        scheduler.shutdownNow(); // a probe still running would dial while the prober closes
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        prober.close();
        if (ownsResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
