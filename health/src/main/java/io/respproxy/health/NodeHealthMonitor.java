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
 * state, after each change.
 */
public final class NodeHealthMonitor implements ServerFacts, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeHealthMonitor.class);

    private final String service;
    private final HealthSettings settings;
    private final Duration roleCheckTimeout;
    private final ClientResources resources;
    private final boolean ownsResources;
    private final NodeProber prober;
    private final ScheduledExecutorService scheduler;
    private final Map<NodeAddress, Tracked> nodes = new LinkedHashMap<>();
    private final AnnouncedAddresses announced;
    private Consumer<List<NodeState>> listener = s -> { };
    private volatile List<NodeState> states = List.of();
    private volatile String redisVersion;
    /** Orders the replies of probes and role checks: older facts never overwrite newer ones. */
    private long sequence;
    private boolean probing;

    /** One watched node, owned by the scheduler thread. */
    private static final class Tracked {
        final RiseFall riseFall;
        NodeState state;
        long appliedSequence;
        /** The role check in flight (its sequence), or 0. */
        long roleCheckInFlight;
        /** Only a role check sent after this answers the doubt. */
        long doubtSequence;
        /** The last passive mark: a probe sent before it cannot withdraw it. */
        long markSequence;
        /** The node closed our connections: role checks failing after this mark it down; or 0. */
        long closedSequence;
        int closeFailures;
        boolean verifying;

        Tracked(NodeAddress node, HealthSettings settings) {
            riseFall = new RiseFall(settings.rise(), settings.fall());
            state = new NodeState(node, false, null, NodeState.NOT_PROBED);
        }
    }

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
                nodes.putIfAbsent(n, new Tracked(n, settings));
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
                    Tracked t = new Tracked(n, settings);
                    nodes.put(n, t);
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
                Tracked t = nodes.get(n);
                long seq = ++sequence;
                prober.probe(n).whenCompleteAsync((result, e) -> {
                    if (nodes.get(n) == t) {
                        applyProbe(n, seq, result);
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
            Tracked t = nodes.get(node);
            if (t != null) {
                mark(node, t, why);
            }
        });
    }

    private void mark(NodeAddress node, Tracked t, String why) {
        boolean wasUp = t.state.up();
        t.markSequence = ++sequence;
        if (t.riseFall.markDown()) {
            // A node that dropped our connections may be being promoted (Sentinel kills the
            // clients of the node it reconfigures): writes wait for the verify probe, as for
            // a closed health connection.
            t.state = new NodeState(node, false, t.state.replication(), why, wasUp || t.state.roleInDoubt());
            if (wasUp) {
                doubt(t);
            }
            changed(); // before the log line: writes must stop at once, logging can wait
            log.warn("[{}] {} marked down: {}; probing it now", service, node, why);
        }
        verify(node, t);
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

    /**
     * Checks an up node's role at once, its role in doubt meanwhile (writes wait). A master that
     * closes our connections is only checked: if it was demoted, the writes it gets answer
     * -READONLY and are sent again (they were not applied), while a replica being promoted is
     * exactly when the old master's writes would be lost.
     */
    private void recheck(NodeAddress node, String why, boolean evenIfMaster) {
        Tracked t = nodes.get(node);
        if (t != null && t.state.up()) {
            ReplicationInfo r = t.state.replication();
            t.closedSequence = ++sequence;
            t.closeFailures = 0;
            if (evenIfMaster || r == null || r.role() != ReplicationInfo.Role.MASTER) {
                t.state = t.state.withRoleInDoubt(true);
                doubt(t);
                changed(); // before the log line: writes must stop at once, logging can wait
            }
            log.info("[{}] {} {}; checking its role now", service, node, why);
            // Whatever check was in flight may have gone out on a closed connection: send a new one.
            t.roleCheckInFlight = 0;
            checkRole(node, t);
            checkRoles();
        }
    }

    /**
     * Starts a doubt about {@code t}'s role: only an answer to a check sent after now ends it, and
     * it ends anyway after the role-check timeout (a node that answers nothing is the full probes'
     * business; writes must not wait on it longer).
     */
    private void doubt(Tracked t) {
        long epoch = ++sequence;
        t.doubtSequence = epoch;
        scheduler.schedule(() -> {
            if (t.doubtSequence == epoch && t.state.roleInDoubt()) {
                t.state = t.state.withRoleInDoubt(false);
                changed();
            }
        }, roleCheckTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
                applyProbe(targets.get(i), seq, results.get(i).join());
            }
            changed();
        }, scheduler);
    }

    private void verify(NodeAddress node, Tracked t) {
        if (!t.verifying) {
            t.verifying = true;
            verify(node, t, 1);
        }
    }

    /**
     * The kill that cut the data path's connection may have cut the probe connection too, before
     * its close was seen: a first failure is tried again on a fresh connection before it counts.
     */
    private void verify(NodeAddress node, Tracked t, int attempt) {
        long seq = ++sequence;
        prober.probe(node).whenCompleteAsync((result, e) -> {
            if (nodes.get(node) != t) {
                return;
            }
            if (!result.ok() && attempt == 1) {
                verify(node, t, 2);
                return;
            }
            t.verifying = false;
            applyProbe(node, seq, result);
            if (t.state.roleInDoubt() && seq > t.doubtSequence) {
                t.state = t.state.withRoleInDoubt(false);
            }
            changed();
        }, scheduler);
    }

    private void checkRoles() {
        for (Map.Entry<NodeAddress, Tracked> e : nodes.entrySet()) {
            if (e.getValue().state.up()) {
                checkRole(e.getKey(), e.getValue());
            }
        }
    }

    private void checkRole(NodeAddress node, Tracked t) {
        if (t.roleCheckInFlight != 0) {
            return;
        }
        long seq = ++sequence;
        t.roleCheckInFlight = seq;
        prober.roleCheck(node).whenCompleteAsync((result, ex) -> {
            if (t.roleCheckInFlight == seq) {
                t.roleCheckInFlight = 0;
            }
            if (nodes.get(node) != t) {
                return;
            }
            // Answered or not, the doubt ends. A node that closed our connections and then does not
            // answer is suspect at once (it refused the new connection, or is stalled); otherwise a
            // failed role check alone proves little: the full probes judge with rise/fall.
            boolean doubtCleared = t.state.roleInDoubt() && seq > t.doubtSequence;
            boolean afterClose = t.closedSequence != 0 && seq > t.closedSequence;
            if (doubtCleared) {
                t.state = t.state.withRoleInDoubt(false);
            }
            if (afterClose && !result.ok() && t.state.up()) {
                // The first check may have gone out on a connection the same kill closed: one more,
                // on a fresh connection, before it counts.
                if (++t.closeFailures < 2) {
                    t.closedSequence = ++sequence;
                    if (doubtCleared) {
                        t.state = t.state.withRoleInDoubt(true);
                        doubt(t);
                    }
                    checkRole(node, t);
                    return;
                }
                t.closedSequence = 0;
                t.closeFailures = 0;
                mark(node, t, "closed its connections, then failed two role checks: " + result.failure());
                return;
            }
            if (afterClose) {
                t.closedSequence = 0;
                t.closeFailures = 0;
            }
            boolean applied = result.ok() && result.replication() != null
                    && applyReplication(node, t, seq, result.replication());
            if (applied || doubtCleared) {
                changed();
            }
        }, scheduler);
    }

    private void applyProbe(NodeAddress node, long seq, ProbeResult result) {
        Tracked t = nodes.get(node);
        if (t == null) {
            return;
        }
        boolean wasUp = t.state.up();
        // A probe sent before the data path's mark answered for a node that may have died since:
        // it must not withdraw the mark (nor count towards rise).
        boolean current = seq > t.markSequence;
        if (current && t.riseFall.record(result.ok())) {
            if (t.riseFall.isUp()) {
                log.info("[{}] {} is up", service, node);
            } else if (wasUp) {
                log.warn("[{}] {} is down: {}", service, node, result.failure());
            }
        }
        if (result.ok() && result.replication() != null) { // a busy node's earlier facts still hold
            applyReplication(node, t, seq, result.replication());
            if (result.redisVersion() != null && (redisVersion == null
                    || result.replication().role() == ReplicationInfo.Role.MASTER)) {
                redisVersion = result.redisVersion();
            }
        }
        String failure = !current ? t.state.lastFailure() : result.ok() ? null : result.failure();
        t.state = new NodeState(node, t.riseFall.isUp(), t.state.replication(), failure, t.state.roleInDoubt());
    }

    /** Keeps {@code info} unless newer facts were applied already; true when it was kept. */
    private boolean applyReplication(NodeAddress node, Tracked t, long seq, ReplicationInfo info) {
        if (seq < t.appliedSequence) {
            return false;
        }
        t.appliedSequence = seq;
        ReplicationInfo mapped = announced.map(node, info);
        ReplicationInfo before = t.state.replication();
        if (before != null && before.role() != mapped.role()) {
            log.info("[{}] {} now says role:{} (was {}){}", service, node, mapped.role(), before.role(),
                    mapped.role() == ReplicationInfo.Role.MASTER && mapped.replid2() != null
                            && mapped.replid2().equals(before.replid()) ? ", promoted from its master's history" : "");
        }
        t.state = new NodeState(node, t.state.up(), mapped, t.state.lastFailure(), t.state.roleInDoubt());
        return true;
    }

    private void changed() {
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
        for (Tracked t : nodes.values()) {
            out.add(t.state);
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        prober.close();
        if (ownsResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
