package io.respproxy.sentinel;

import io.lettuce.core.resource.ClientResources;
import io.respproxy.health.HealthSettings;
import io.respproxy.health.NodeHealthMonitor;
import io.respproxy.health.NodeState;
import io.respproxy.health.ReplicationInfo;
import io.respproxy.health.SourceThread;
import io.respproxy.health.VerifiedShardBuilder;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.SwitchoverResult;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mode = sentinel}: the master is what a majority of the reachable Sentinels say, verified
 * by the node itself; replicas are what they list as serving, judged fit by the health monitor.
 * Listens and verifies: every Sentinel event about the master triggers a re-query at once (events
 * are hints, never the truth), a periodic re-query is the safety net, and while anything is
 * unsettled the Sentinels are asked every 100 ms. When a failover of the master starts (a
 * Sentinel's {@code +try-failover} ... {@code +promoted-slave}, or its flags in a query), writes
 * to it stop at once: whatever it acknowledges after a replica's promotion would be lost. They
 * resume on the new master once a majority names it and it answers as master, or on the old one
 * if the failover is aborted. All state lives on one thread.
 */
public final class SentinelTopologySource implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(SentinelTopologySource.class);

    private final String service;
    private final SentinelSettings settings;
    private final AddressMap nat;
    private final ClientResources resources;
    private final NodeHealthMonitor monitor;
    private final VerifiedShardBuilder shards;
    private final SourceThread thread;
    private final Map<NodeAddress, SentinelLink> links = new LinkedHashMap<>();
    /** Per Sentinel: answered on the last query (null: not asked yet), for logging transitions. */
    private final Map<NodeAddress, Boolean> answering = new HashMap<>();
    /** Per Sentinel: the master it named in its last answer (null: it does not monitor the name). */
    private final Map<NodeAddress, NodeAddress> named = new HashMap<>();
    private Consumer<Topology> listener = t -> { };
    private volatile Topology current = Topology.unknown("the Sentinels have not been asked yet");
    /** See {@link #leavingMaster()}; set before each snapshot is published. */
    private volatile NodeAddress leaving;
    private long version;
    private SentinelAgreement agreed = SentinelAgreement.none("the Sentinels have not answered yet");
    private Map<NodeAddress, NodeState> states = Map.of();
    private Set<NodeAddress> watching = Set.of();
    private final MasterFences fences = new MasterFences();
    private long queries;
    private boolean queryInFlight;
    private boolean queryAgain;
    private long lastQueryNanos;
    private boolean everWritable;
    private boolean keptWithoutSentinels;
    private final TopologyWaiters waiters = new TopologyWaiters();

    /**
     * @param monitor   probes the data nodes; owned (closed) by this source
     * @param resources Lettuce's threads for the Sentinel connections, shared with the rest of the
     *                  daemon: not shut down by {@link #close()}
     */
    public SentinelTopologySource(String service, SentinelSettings settings, AddressMap nat, HealthSettings health,
                                  NodeHealthMonitor monitor, ClientResources resources) {
        this.service = service;
        this.settings = settings;
        this.nat = nat;
        this.resources = resources;
        this.monitor = monitor;
        this.shards = new VerifiedShardBuilder(health, "the Sentinels");
        this.thread = new SourceThread("sentinel", service, log);
    }

    @Override
    public void start(Consumer<Topology> listener) {
        thread.execute(() -> {
            this.listener = listener;
            for (NodeAddress s : settings.sentinels()) {
                NodeAddress to = nat.reachable(s);
                if (!to.equals(s)) {
                    log.info("[{}] Sentinel {}", service, nat.describe(s));
                }
                addLink(to);
            }
            monitor.start(List.of(), s -> thread.onThread(() -> {
                states = NodeState.byAddress(s);
                publish();
            }));
            query();
        });
        thread.every(SentinelSettings.UNSETTLED_POLL.toMillis(), this::tick, "Sentinel re-query");
    }

    @Override
    public AddressMap addressMap() {
        return nat;
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public NodeAddress leavingMaster() {
        return leaving;
    }

    @Override
    public void reportFailure(NodeAddress node) {
        monitor.markDown(node, "connection failure seen by the data path");
        requestQuery();
    }

    @Override
    public void requestRefresh() {
        monitor.checkRolesNow();
        requestQuery();
    }

    @Override
    public void reportClosedConnection(NodeAddress node) {
        monitor.connectionClosedBy(node);
        requestQuery();
    }

    @Override
    public void reportReadOnly(NodeAddress node) {
        monitor.reportReadOnly(node);
        requestQuery();
    }

    /** The data nodes' health, for the admin view and INFO. */
    public List<NodeState> nodeStates() {
        return monitor.states();
    }

    /**
     * The Sentinel to ask for a switchover's {@code SENTINEL FAILOVER}: a connected one that named
     * the agreed master in the last query (it sees the replicas the majority sees), or null.
     */
    SentinelLink failoverLink() {
        for (SentinelLink l : links.values()) {
            if (l.connected() && agreed.master() != null && agreed.master().equals(named.get(l.address()))) {
                return l;
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<SwitchoverResult> switchover(Duration timeout) {
        return SentinelSwitchover.whenReplicasServe(this, service, timeout);
    }

    /** The published master, now held for a switchover; null when there is none or one is running. */
    NodeAddress beginSwitchover() {
        NodeAddress m = current.primaryShard().master();
        if (m == null || !fences.beginSwitchover(m)) {
            return null;
        }
        publish();
        return m;
    }

    void endSwitchover() {
        fences.endSwitchover();
        publish();
    }

    List<NodeAddress> servingReplicas() {
        return agreed.replicas();
    }

    CompletableFuture<ReplicationInfo> replicationNow(NodeAddress node) {
        return monitor.replicationNow(node);
    }

    /** Completes (on this source's thread) once a master other than {@code old} is published. */
    CompletableFuture<NodeAddress> awaitMasterOtherThan(NodeAddress old) {
        return awaitTopology(t -> t.primaryShard().hasMaster() && !t.primaryShard().master().equals(old))
                .thenApply(t -> t.primaryShard().master());
    }

    /** Completes (on this source's thread) with the first published topology that {@code test} accepts. */
    CompletableFuture<Topology> awaitTopology(java.util.function.Predicate<Topology> test) {
        CompletableFuture<Topology> f = new CompletableFuture<>();
        thread.execute(() -> waiters.add(test, f, current));
        return f;
    }

    /** This source's thread, for the switchover's continuations and waits. */
    SourceThread thread() {
        return thread;
    }

    private void addLink(NodeAddress address) {
        if (thread.closed()) {
            return;
        }
        links.computeIfAbsent(address, a -> new SentinelLink(a, settings, nat, resources, thread::onThread,
                e -> thread.onThread(() -> event(a, e))));
    }

    private void requestQuery() {
        thread.onThread(this::query);
    }

    private void tick() {
        boolean unsettled = !agreed.settled() || fences.eventFenceUp() || !current.primaryShard().hasMaster();
        boolean disconnected = links.values().stream().anyMatch(l -> !l.connected());
        long since = System.nanoTime() - lastQueryNanos;
        if (unsettled || since >= settings.pollInterval().toNanos()
                || (disconnected && since >= settings.timeout().toNanos())) {
            query();
        }
    }

    /** Asks every Sentinel now; a request while a query is out runs once more right after it. */
    private void query() {
        if (thread.closed()) {
            return;
        }
        if (queryInFlight) {
            queryAgain = true;
            return;
        }
        queryInFlight = true;
        long seq = ++queries;
        lastQueryNanos = System.nanoTime();
        List<SentinelLink> asked = new ArrayList<>(links.size());
        List<CompletableFuture<SentinelReport>> answers = new ArrayList<>(links.size());
        int unreachable = 0;
        for (SentinelLink l : links.values()) {
            if (l.lastFailure() != null && !l.connected()) {
                // It failed the last query and has no connection: asked again, but not waited for
                // (a blackholed Sentinel would hold every query for its timeout). It counts as not
                // answering; once it answers, the next query waits for it again.
                l.query().exceptionally(e -> null);
                noteAnswer(l, false);
                unreachable++;
                continue;
            }
            asked.add(l);
            answers.add(l.query().exceptionally(e -> null));
        }
        int notWaitedFor = unreachable;
        thread.afterAll(answers, () -> {
            queryInFlight = false;
            List<SentinelReport> reports = new ArrayList<>();
            Set<NodeAddress> answered = new HashSet<>();
            Map<String, NodeAddress> byId = new HashMap<>();
            int twice = 0;
            for (int i = 0; i < asked.size(); i++) {
                SentinelReport r = answers.get(i).join();
                noteAnswer(asked.get(i), r != null);
                if (r != null) {
                    NodeAddress first = r.id() == null ? null : byId.putIfAbsent(r.id(), asked.get(i).address());
                    if (first != null) {
                        sameSentinel(asked.get(i), first);
                        twice++;
                        continue;
                    }
                    reports.add(r);
                    answered.add(asked.get(i).address());
                    named.put(asked.get(i).address(), r.master());
                }
            }
            int silent = asked.size() - twice - reports.size() + notWaitedFor;
            Map<NodeAddress, Boolean> view = new LinkedHashMap<>();
            for (NodeAddress a : links.keySet()) {
                view.put(a, Boolean.TRUE.equals(answering.get(a)));
            }
            sentinelView = java.util.Collections.unmodifiableMap(view);
            apply(seq, SentinelAgreement.of(settings.masterName(), reports, silent), answered);
            if (queryAgain) {
                queryAgain = false;
                query();
            }
        });
    }

    /**
     * Addresses of a Sentinel the proxy already asks by another address (same run id), with that
     * one: never learned again, so one Sentinel is one voice in the majority.
     */
    private final Map<NodeAddress, NodeAddress> aliases = new HashMap<>();

    /** {@code twin} answered with the run id of {@code first}: one Sentinel, asked once from now on. */
    private void sameSentinel(SentinelLink twin, NodeAddress first) {
        log.info("[{}] Sentinel {} is {} (same run id): asked once", service, twin.address(), first);
        aliases.put(twin.address(), first);
        links.remove(twin.address());
        answering.remove(twin.address());
        named.remove(twin.address());
        twin.close();
    }

    /** What {@link #sentinels()} returns: the links and their last answer, after each query (any thread). */
    private volatile Map<NodeAddress, Boolean> sentinelView = Map.of();

    @Override
    public Map<NodeAddress, Boolean> sentinels() {
        return sentinelView;
    }

    private void noteAnswer(SentinelLink link, boolean ok) {
        Boolean before = answering.put(link.address(), ok);
        if (before == null && !ok) {
            log.warn("[{}] Sentinel {} is unreachable: {}", service, link.address(), link.lastFailure());
        } else if (before != null && before != ok) {
            if (ok) {
                log.info("[{}] Sentinel {} answers again", service, link.address());
            } else {
                log.warn("[{}] Sentinel {} stopped answering: {}", service, link.address(), link.lastFailure());
            }
        }
    }

    private void apply(long seq, SentinelAgreement next, Set<NodeAddress> answered) {
        SentinelAgreement before = agreed;
        if (answered.isEmpty() && before.master() != null) {
            // No Sentinel answered (down, unreachable, or this machine starved): that says nothing
            // about the master, which the health checks still verify. Keep the last agreement,
            // as Sentinel clients keep their last master; a failover is followed once they answer.
            if (!keptWithoutSentinels) {
                keptWithoutSentinels = true;
                log.warn("[{}] no Sentinel answered; keeping {} as master while the node itself says so",
                        service, before.master());
            }
            return;
        }
        keptWithoutSentinels = false;
        agreed = next;
        for (NodeAddress s : next.sentinels()) {
            if (!links.containsKey(s) && !aliases.containsKey(s)) {
                log.info("[{}] learned Sentinel {} from the others", service, s);
                addLink(s);
            }
        }
        NodeAddress lifted = fences.liftIfOver(seq, next, answered, links.size());
        if (lifted != null) {
            log.info("[{}] no Sentinel is failing {} over any more", service, lifted);
        }
        Set<NodeAddress> watch = new HashSet<>(next.watch());
        if (!watch.isEmpty() && !watch.equals(watching)) {
            watching = Set.copyOf(watch);
            monitor.watch(watching);
        }
        if (next.master() != null && !next.master().equals(before.master())) {
            log.info("[{}] the Sentinels name {} master{}", service, next.master(),
                    before.master() != null ? " (was " + before.master() + ")" : "");
            monitor.checkRolesNow();
        } else if (next.master() == null && !next.reason().equals(before.reason())) {
            log.warn("[{}] {}", service, next.reason());
        }
        publish();
    }

    private void event(NodeAddress from, SentinelEvent e) {
        if (thread.closed() || !e.concerns(settings.masterName())) {
            return;
        }
        log.debug("[{}] Sentinel {}: {} {}", service, from, e.channel(), e.master());
        if (e.fences()) {
            fence(nat.reachable(e.master()), from, "Sentinel " + from + " says " + e.channel());
        }
        query();
    }

    /** Holds writes to {@code master}: {@code by} (a Sentinel) is failing it over. */
    void fence(NodeAddress master, NodeAddress by, String why) {
        boolean fresh = fences.raise(master, by, queries);
        publish(); // before the log line: writes must stop at once
        if (fresh) {
            log.warn("[{}] {}: writes to {} are held until the Sentinels agree on a verified master", service, why,
                    master);
        }
    }

    private void publish() {
        if (thread.closed()) {
            return;
        }
        Shard shard = shards.build(settings.masterName(), agreed.master(), agreed.reason(), agreed.replicas(),
                fences.reasons(agreed), states);
        leaving = shard.hasMaster() ? null : fences.failingOver(agreed);
        if (leaving == null && !shard.hasMaster()
                && VerifiedShardBuilder.promotedFrom(agreed.master(), agreed.replicas(), states) != null) {
            leaving = agreed.master(); // a replica was promoted from it: what it acknowledges now is lost
        }
        Topology next = Topology.single(version + 1, shard);
        if (next.sameRoutingAs(current)) {
            return;
        }
        version++;
        Topology previous = current;
        current = next;
        if (shard.hasMaster()) {
            everWritable = true;
            log.info("[{}] master {}, read replicas {}", service, shard.master(), shard.readReplicas());
        } else if (previous.primaryShard().hasMaster() || !shard.noMasterReason()
                .equals(previous.primaryShard().noMasterReason())) {
            // Starting up is not a warning: the Sentinels and the nodes are being asked.
            String reason = shard.noMasterReason();
            if (everWritable || !reason.contains("not probed yet") && !reason.contains("not answered yet")) {
                log.warn("[{}] no writable master: {}; read replicas {}", service, reason, shard.readReplicas());
            } else {
                log.info("[{}] waiting: {}", service, reason);
            }
        }
        try {
            listener.accept(next);
        } catch (RuntimeException ex) {
            log.error("[{}] topology listener failed", service, ex);
        }
        waiters.published(next);
    }

    @Override
    public void close() {
        thread.close(() -> links.values().forEach(SentinelLink::close));
        monitor.close();
    }
}
