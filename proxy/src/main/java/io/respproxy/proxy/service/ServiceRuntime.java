package io.respproxy.proxy.service;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.backend.DedicatedLimit;
import io.respproxy.proxy.backend.NodeEvents;
import io.respproxy.proxy.session.ClientSession;
import io.respproxy.proxy.session.ClientUsers;
import io.respproxy.proxy.session.CommandPolicy;
import io.respproxy.proxy.session.SessionSettings;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.CommandInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One configured service at run time: its topology source and the latest snapshot, its command
 * table, its users, and one backend pool per event loop. Sessions read {@link #topology()} once
 * per command; the source replaces it with one volatile write.
 */
public final class ServiceRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceRuntime.class);

    private final String name;
    private final TopologySource source;
    private final ClientUsers users;
    /** The command table with its policy: replaced once, after the backend's COMMAND is merged in. */
    private volatile CommandPolicy policy;
    private final AtomicBoolean discovered = new AtomicBoolean();
    private final SessionSettings sessionSettings;
    private final BackendPool.BackendSettings backendSettings;
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
            source.requestRefresh();
        }
    };
    private final ServiceStats stats = new ServiceStats();
    private final Map<Long, ClientSession> sessions = new ConcurrentHashMap<>();
    private volatile Topology topology;

    public ServiceRuntime(String name, TopologySource source, CommandTable commands, ClientUsers users,
                          SessionSettings sessionSettings, BackendPool.BackendSettings backendSettings,
                          Class<? extends Channel> backendChannelClass) {
        this.name = name;
        this.dedicatedLimit = new DedicatedLimit(backendSettings.maxDedicatedPerNode());
        this.source = source;
        this.users = users;
        this.policy = new CommandPolicy(commands, sessionSettings.deny());
        this.sessionSettings = sessionSettings;
        this.backendSettings = backendSettings;
        this.backendChannelClass = backendChannelClass;
        this.topology = source.current();
    }

    /** Starts discovery; snapshots are published as they come. */
    public void start() {
        source.start(t -> {
            topology = t;
            NodeAddress master = t.primaryShard().master();
            if (master != null && discovered.compareAndSet(false, true)) {
                Thread worker = new Thread(() -> mergeBackendCommands(master), "respproxy-commands-" + name);
                worker.setDaemon(true);
                worker.start();
            }
        });
    }

    /** Learns the backend's module commands; the built-in facts win for commands both know. */
    private void mergeBackendCommands(NodeAddress master) {
        List<CommandInfo> backend = CommandDiscovery.fetch(master, backendSettings.credentials(),
                backendSettings.connectTimeout().plus(backendSettings.commandTimeout()));
        if (backend.isEmpty()) {
            return;
        }
        CommandTable before = policy.table();
        CommandTable merged = before.merge(backend);
        policy = new CommandPolicy(merged, sessionSettings.deny());
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
        String v = source.redisVersion();
        return v == null ? "7.0.0" : v;
    }

    /** Read once per command: lookup and classification then come from the same table. */
    public CommandPolicy policy() {
        return policy;
    }

    public ClientUsers users() {
        return users;
    }

    public SessionSettings sessionSettings() {
        return sessionSettings;
    }

    /** Connected clients by id (CLIENT LIST, graceful stop). */
    public Map<Long, ClientSession> sessions() {
        return sessions;
    }

    public ServiceStats stats() {
        return stats;
    }

    public TopologySource source() {
        return source;
    }

    /** The backend pool of {@code loop}; created on first use, then only that loop touches it. */
    public BackendPool pool(EventLoop loop) {
        BackendPool p = pools.get(loop);
        if (p == null) {
            p = pools.computeIfAbsent(loop, l -> new BackendPool(l, backendChannelClass, backendSettings,
                    dedicatedLimit, nodeEvents));
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
        /** Commands waiting for a master right now (failover hold). */
        public final AtomicInteger heldCommands = new AtomicInteger();
        public final LongAdder holdTimeouts = new LongAdder();
    }
}
