package io.respproxy.proxy.service;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.respproxy.health.ServerFacts;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.backend.BackendSettings;
import io.respproxy.proxy.backend.BackendStats;
import io.respproxy.proxy.metrics.LatencyHistogram;
import io.respproxy.proxy.backend.DedicatedLimit;
import io.respproxy.proxy.backend.NodeEvents;
import io.respproxy.proxy.backend.ReplicationPolicy;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.CommandInfo;
import io.respproxy.routing.route.Router;
import io.respproxy.routing.route.RoutingRules;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One configured service at run time: its topology source and the latest snapshot, its command
 * table, its users, and one backend pool per event loop. Sessions read {@link #topology()} once
 * per command; the source replaces it with one volatile write.
 */
public final class ServiceRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceRuntime.class);

    private final String name;
    /** Where the topology comes from; replaced when a reload changes the service's topology settings. */
    private volatile TopologySource source;
    private volatile ServerFacts facts;
    private volatile ClientUsers users;
    /** The command table with its router: replaced once, after the backend's COMMAND is merged in. */
    private volatile Router router;
    private final AtomicBoolean discovered = new AtomicBoolean();
    private volatile SessionSettings sessionSettings;
    /** Added to a replacement source's versions, so that versions only grow (re-sends compare them). */
    private volatile long versionBase;
    private final BackendSettings backendSettings;
    private final Class<? extends Channel> backendChannelClass;
    private final DedicatedLimit dedicatedLimit;
    private final Map<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
    /** Failures mark a node suspect at once; a connection a live node closed asks for a fresh look. */
    private final NodeEvents nodeEvents = new NodeEvents() {
        @Override
        public void failed(NodeAddress node) {
            source.reportFailure(node);
        }

        @Override
        public void closedConnection(NodeAddress node) {
            source.reportClosedConnection(node);
        }
    };
    private final ServiceStats stats = new ServiceStats();
    private final BackendStats backendStats = new BackendStats();
    private final Map<EventLoop, HoldQueue> holds = new ConcurrentHashMap<>();
    private final Map<Long, ClientHandle> sessions = new ConcurrentHashMap<>();
    private final AtomicLong clientIds = new AtomicLong();
    /** The last node reported for answering -READONLY since the topology last changed. */
    private final java.util.concurrent.atomic.AtomicReference<NodeAddress> readOnlyReported =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Topology topology;
    private final MasterChanges failovers;
    /** What promotions discarded of the writes the masters acknowledged. */
    private final PromotionLoss promotionLoss;
    /** The daemon's Lettuce threads (the COMMAND discovery's connection uses them). */
    private final io.lettuce.core.resource.ClientResources lettuce;
    /** The process's budget for client buffers, shared by every service. */
    private final ClientMemory clientMemory;
    /** Cluster mode: each shard's master; touched on the source's thread only. */
    private final ShardMasterChanges clusterFailovers;
    /** Client-side caching: who tracks which keys, and the nodes' invalidations. */
    private final Tracking tracking;
    private final ClientPause pause = new ClientPause();

    public ServiceRuntime(String name, TopologySource source, ServerFacts facts, CommandTable commands, ClientUsers users,
                          SessionSettings sessionSettings, BackendSettings backendSettings,
                          Class<? extends Channel> backendChannelClass, io.lettuce.core.resource.ClientResources lettuce,
                          ClientMemory clientMemory) {
        this.lettuce = lettuce;
        this.clientMemory = clientMemory;
        this.name = name;
        this.dedicatedLimit = new DedicatedLimit(backendSettings.maxDedicatedPerNode());
        this.source = source;
        this.facts = facts;
        this.users = users;
        this.router = newRouter(commands, sessionSettings);
        this.sessionSettings = sessionSettings;
        this.backendSettings = backendSettings;
        this.backendChannelClass = backendChannelClass;
        this.topology = source.current();
        this.promotionLoss = new PromotionLoss(name, stats, sessionSettings.minReplicas() != 0);
        facts.observeReplication(promotionLoss);
        this.failovers = new MasterChanges(name, stats, this::leftMaster, promotionLoss);
        this.clusterFailovers = new ShardMasterChanges(name, stats, this::leftMaster, promotionLoss);
        this.tracking = new Tracking(name, sessionSettings.trackingMaxKeys(), this::topology, this::pool);
        this.slowLog = new SlowLog(sessionSettings.slowlogSlowerThan(), sessionSettings.slowlogMaxLen());
        // The policy is fixed while the service runs (a reload keeps it: writes needs a restart).
        this.replication = sessionSettings.minReplicas() == 0 ? null
                : new ReplicationPolicy(this::replicasWanted, backendSettings.replicaTimeout(),
                        () -> this.sessionSettings.holdTimeout().toNanos());
    }

    /** writes.acknowledge = replicated as the backend connections carry it out; null: async. */
    private final ReplicationPolicy replication;

    /** The replicas a write to {@code master} must reach: the policy's number, or a majority of its group now. */
    private int replicasWanted(NodeAddress master) {
        int min = sessionSettings.minReplicas();
        if (min != RoutingRules.MAJORITY) {
            return min;
        }
        for (Shard s : topology().shards()) {
            if (master.equals(s.master())) {
                return RoutingRules.replicasWanted(min, s.replicasKnown());
            }
        }
        return RoutingRules.replicasWanted(min, 0); // no longer its group's master: its writes fail or are left
    }

    public Tracking tracking() {
        return tracking;
    }

    /** Where the data path counts the writes a node acknowledged (see {@link PromotionLoss}). */
    public PromotionLoss promotionLoss() {
        return promotionLoss;
    }

    private final SlowLog slowLog;

    /** The service's SLOWLOG, of its clients' commands as they saw them. */
    public SlowLog slowLog() {
        return slowLog;
    }

    /** CLIENT PAUSE / UNPAUSE of this service's clients. */
    public ClientPause pause() {
        return pause;
    }

    public ClientMemory clientMemory() {
        return clientMemory;
    }

    /** Starts discovery; snapshots are published as they come. */
    public void start() {
        TopologySource first = source;
        first.start(t -> published(first, t));
    }

    /**
     * A reload changed what the service's topology comes from (its servers, Sentinels, seeds, nat
     * map or health settings): {@code next} starts beside the running source, which keeps
     * publishing until {@code next} has a master for every shard (or for 5 s), so that no command
     * waits for the switch; then the old one is closed.
     */
    public void replaceSource(TopologySource next, ServerFacts nextFacts) {
        TopologySource old = source;
        nextFacts.observeReplication(promotionLoss);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        AtomicBoolean switched = new AtomicBoolean();
        next.start(t -> {
            if (!switched.get()) {
                boolean ready = t.shards().stream().allMatch(Shard::hasMaster);
                if (!ready && System.nanoTime() < deadline) {
                    return;
                }
                synchronized (this) {
                    versionBase = topology.version();
                    source = next;
                    facts = nextFacts;
                }
                switched.set(true);
                log.info("[{}] reload: the new topology source took over", name);
                Thread closer = new Thread(old::close, "respproxy-close-" + name);
                closer.setDaemon(true);
                closer.start();
            }
            published(next, t);
        });
    }

    /**
     * Users, the deny list, limits, failover and read-port settings from a reload: new commands
     * route by them at once; new connections get the new limits (a connection keeps the limits it
     * was opened with); authenticated clients stay connected.
     */
    public void reconfigure(ClientUsers nextUsers, SessionSettings nextSettings) {
        users = nextUsers;
        sessionSettings = nextSettings;
        tracking.maxKeys(nextSettings.trackingMaxKeys());
        slowLog.configure(nextSettings.slowlogSlowerThan(), nextSettings.slowlogMaxLen());
        router = newRouter(router.table(), nextSettings);
    }

    /** A snapshot from {@code from}; synchronized: during a source's replacement two may publish. */
    private synchronized void published(TopologySource from, Topology snapshot) {
        if (from != source) {
            return; // replaced by a reload: its last words do not count
        }
        Topology t = snapshot.withVersion(versionBase + snapshot.version());
        topology = t;
        stats.topologyChangedNanos = System.nanoTime();
        readOnlyReported.set(null);
        // Failover is a pause: whoever waits for a master learns of the new view at once.
        for (HoldQueue h : holds.values()) {
            h.wake();
        }
        NodeAddress master = t.primaryShard().master();
        tracking.topologyChanged(false);
        if (!t.isCluster()) {
            failovers.seen(master, from.leavingMaster());
        } else {
            clusterFailovers.seen(t);
        }
        if (master != null && discovered.compareAndSet(false, true)) {
            Thread worker = new Thread(() -> mergeBackendCommands(master), "respproxy-commands-" + name);
            worker.setDaemon(true);
            worker.start();
        }
    }

    /**
     * The proxy left {@code old} for another master, on every loop: a write in flight there gets
     * "may have been applied" rather than a late acknowledgement from a master whose writes its
     * demotion will discard (one that was frozen and resumes); its dedicated connections close.
     */
    private void leftMaster(NodeAddress old, boolean failoverStarted) {
        // What the old master acknowledged may be lost, and its invalidations with it.
        tracking.topologyChanged(true);
        for (BackendPool p : pools.values()) {
            if (failoverStarted) {
                p.loop().execute(() -> p.leavingNode(old, "being failed over", SILENT_AT_FAILOVER_NANOS));
            } else {
                p.loop().execute(() -> p.leftNode(old, "no longer the master"));
            }
        }
    }

    /** A connection silent this long when a failover of its master starts is taken for a frozen master's. */
    private static final long SILENT_AT_FAILOVER_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    /** Learns the backend's module commands; the built-in facts win for commands both know. */
    private void mergeBackendCommands(NodeAddress master) {
        List<CommandInfo> backend = CommandDiscovery.fetch(lettuce, master, backendSettings.credentials(),
                backendSettings.connectTimeout().plus(backendSettings.commandTimeout()));
        if (backend.isEmpty()) {
            return;
        }
        CommandTable before = router.table();
        CommandTable merged = before.merge(backend);
        router = newRouter(merged, sessionSettings);
        log.info("[{}] command table: {} built-in, {} after merging {}'s COMMAND", name, before.size(),
                merged.size(), master);
    }

    public String name() {
        return name;
    }

    public Topology topology() {
        return topology;
    }

    /**
     * The backend's Redis version as clients should see it in HELLO and INFO. Until the first probe
     * has answered, a 7.0 baseline: clients use it only to pick features, and every supported
     * backend has 6.2's.
     */
    public String redisVersion() {
        String v = facts.redisVersion();
        return v == null ? "7.0.0" : v;
    }

    private static Router newRouter(CommandTable table, SessionSettings s) {
        return new Router(table, s.deny(), new RoutingRules(s.readPortRejectsWrites(), s.fallbackToMaster(), s.minReplicas()));
    }

    /** Read once per command: lookup and routing then come from the same table. */
    public Router router() {
        return router;
    }

    /** A new client id, unique in this service (CLIENT ID, CLIENT LIST). */
    public long nextClientId() {
        return clientIds.incrementAndGet();
    }

    /** The clients of {@code loop} waiting for the topology to change; created on first use. */
    public HoldQueue holdQueue(EventLoop loop) {
        HoldQueue h = holds.get(loop);
        return h != null ? h : holds.computeIfAbsent(loop, HoldQueue::new);
    }

    /**
     * The node the proxy took for the master answered -READONLY: it was demoted behind the
     * proxy's back. The source re-learns roles at once; the write waits for the new master.
     */
    public void masterAnsweredReadOnly(NodeAddress node) {
        if (node.equals(readOnlyReported.getAndSet(node))) {
            return; // every write in flight there says the same: once per topology is enough
        }
        log.warn("[{}] {} answered -READONLY to a write: it is no longer the master; re-learning roles", name, node);
        source.reportReadOnly(node);
    }

    public ClientUsers users() {
        return users;
    }

    public SessionSettings sessionSettings() {
        return sessionSettings;
    }

    /** Connected clients by id (CLIENT LIST, graceful stop). */
    public Map<Long, ClientHandle> sessions() {
        return sessions;
    }

    public ServiceStats stats() {
        return stats;
    }

    public TopologySource source() {
        return source;
    }

    /** What the data nodes report (the health monitor's view of them, for /topology and /metrics). */
    public ServerFacts facts() {
        return facts;
    }

    /** Per backend node: connections, bytes, latency (for /metrics). */
    public BackendStats backendStats() {
        return backendStats;
    }

    /** The backend pool of {@code loop}; created on first use, then only that loop touches it. */
    public BackendPool pool(EventLoop loop) {
        BackendPool p = pools.get(loop);
        if (p == null) {
            p = pools.computeIfAbsent(loop, l -> new BackendPool(l, backendChannelClass, backendSettings,
                    dedicatedLimit, nodeEvents, backendStats, replication));
        }
        return p;
    }

    /** Backend connections open now, over all loops (read without synchronization: approximate). */
    public int backendConnections() {
        int n = 0;
        for (BackendPool p : pools.values()) {
            n += p.connectionCount();
        }
        return n;
    }

    @Override
    public void close() {
        for (BackendPool p : pools.values()) {
            p.loop().execute(p::closeAll);
        }
        source.close();
    }

    /**
     * Counters shown by INFO and /metrics. Many event loops add to them, so the per-command ones
     * are {@link LongAdder}s: striped cells, no cross-core CAS on the hot path.
     */
    public static final class ServiceStats {
        public final LongAdder commandsProcessed = new LongAdder();
        public final LongAdder connectionsReceived = new LongAdder();
        public final LongAdder rejectedConnections = new LongAdder();
        public final AtomicInteger connectedClients = new AtomicInteger();
        /** Accepted sockets, counted before the session starts: what maxclients limits. */
        public final AtomicInteger openConnections = new AtomicInteger();
        public final LongAdder errorReplies = new LongAdder();
        /** Error replies the proxy worded itself (refusals, lost connections), not the nodes'. */
        public final LongAdder ownErrorReplies = new LongAdder();
        /**
         * What INFO's Stats counts from: CONFIG RESETSTAT through the proxy moves these to the
         * current values (INFO shows the difference), so that /metrics counters never go back.
         */
        private volatile long[] infoBase = new long[4];

        /** CONFIG RESETSTAT: INFO's Stats count from now. */
        public void resetInfoStats() {
            infoBase = new long[] {connectionsReceived.sum(), commandsProcessed.sum(), rejectedConnections.sum(),
                ownErrorReplies.sum()};
            commands.values().forEach(c -> c.latency().reset()); // LATENCY HISTOGRAM starts again
        }

        /** INFO's values since the last CONFIG RESETSTAT: connections received, commands, rejected, own errors. */
        public long[] sinceReset() {
            long[] base = infoBase;
            return new long[] {connectionsReceived.sum() - base[0], commandsProcessed.sum() - base[1],
                rejectedConnections.sum() - base[2], ownErrorReplies.sum() - base[3]};
        }
        /** Commands waiting for a master right now (failover hold). */
        public final AtomicInteger heldCommands = new AtomicInteger();
        public final LongAdder holdTimeouts = new LongAdder();
        /** Commands that started waiting for a master (failover hold, re-routed writes), ever. */
        public final LongAdder holdsStarted = new LongAdder();
        /** Commands sent again after their node failed them safely (reads, -READONLY writes), ever. */
        public final LongAdder retried = new LongAdder();
        /** Writes failed with "the command may have been applied" (in flight when their node was lost), ever. */
        public final LongAdder maybeApplied = new LongAdder();
        /** {@link #maybeApplied} by the node the write was sent to (few nodes: the service's). */
        private final java.util.Map<NodeAddress, LongAdder> maybeAppliedOn = new ConcurrentHashMap<>();

        /** A write sent to {@code node} failed with "the command may have been applied". */
        public void mayHaveBeenApplied(NodeAddress node) {
            maybeApplied.increment();
            if (node != null) {
                maybeAppliedOn.computeIfAbsent(node, n -> new LongAdder()).increment();
            }
        }

        /** Writes sent to {@code node} that failed as may-have-been-applied, ever. */
        long maybeAppliedOn(NodeAddress node) {
            LongAdder a = node == null ? null : maybeAppliedOn.get(node);
            return a == null ? 0 : a.sum();
        }
        /** Times the master moved to another node. */
        public final LongAdder failovers = new LongAdder();
        /** Bytes of acknowledged writes that promotions discarded (see {@link PromotionLoss}), ever. */
        public final LongAdder discardedBytes = new LongAdder();
        /** Failovers whose promotion discarded acknowledged writes, ever. */
        public final LongAdder discardingFailovers = new LongAdder();
        /** Commands a cluster node redirected (-MOVED, -ASK) that the proxy followed, ever. */
        public final LongAdder redirects = new LongAdder();
        /** Of {@link #redirects}, the -ASK ones (the rest are -MOVED). */
        public final LongAdder askRedirects = new LongAdder();
        /** Clients waiting in a blocking command / in subscribed mode (INFO blocked_clients, pubsub_clients). */
        public final AtomicInteger blockedClients = new AtomicInteger();
        public final AtomicInteger pubsubClients = new AtomicInteger();
        /** From a command's arrival (its client's read batch) to its reply's turn; blocking commands excluded. */
        public final LatencyHistogram commandLatency = new LatencyHistogram();
        /** How long commands waited for a node (failover hold, re-routed writes), each hold once. */
        public final LatencyHistogram holdTime = new LatencyHistogram();
        /** When the last topology snapshot was published (System.nanoTime), or 0 before the first. */
        public volatile long topologyChangedNanos;
        private final Map<String, CommandStats> commands = new ConcurrentHashMap<>();
        private final Map<String, ListenerStats> listeners = new ConcurrentHashMap<>();

        /** The counters of {@code spec}'s name, or of {@code unknown}; created on first use. Any thread. */
        public CommandStats command(io.respproxy.routing.command.CommandSpec spec) {
            String name = spec.isKnown() ? spec.name() : CommandStats.UNKNOWN;
            CommandStats c = commands.get(name);
            return c != null ? c : commands.computeIfAbsent(name, CommandStats::new);
        }

        /** Every command answered at least once (a live view). */
        public java.util.Collection<CommandStats> commands() {
            return commands.values();
        }

        /** The counters of listener {@code name}, created on first use. Any thread. */
        public ListenerStats listener(String name) {
            ListenerStats l = listeners.get(name);
            return l != null ? l : listeners.computeIfAbsent(name, ListenerStats::new);
        }

        /** Every listener's counters (a live view). */
        public java.util.Collection<ListenerStats> listeners() {
            return listeners.values();
        }
    }
}
