package io.respproxy.proxy.server;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.Collector;
import io.netty.util.internal.PlatformDependent;
import io.respproxy.proxy.backend.BackendCredentials;
import io.respproxy.proxy.backend.BackendSettings;
import io.respproxy.proxy.config.HostPort;
import io.respproxy.proxy.config.ListenerConfig;
import io.respproxy.proxy.config.Mode;
import io.respproxy.proxy.config.ProtectedMode;
import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ServiceConfig;
import io.respproxy.proxy.config.UserConfig;
import io.respproxy.proxy.resp.RespLimits;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.service.ClientMemory;
import io.respproxy.proxy.service.ClientUsers;
import io.respproxy.proxy.service.ClusterEmulation;
import io.respproxy.proxy.service.OutputLimit;
import io.respproxy.proxy.service.SessionSettings;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data path as the daemon runs it: one {@link ServiceRuntime} per configured service, their
 * listeners on one {@link ProxyServer}, and their counters in the metrics registry.
 */
public final class ProxyDataPlane implements DataPlane {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProxyDataPlane.class);

    /** Backends commonly keep Redis's default of 16 databases; SELECT beyond that is refused locally. */
    private static final int DATABASES = 16;

    private final List<ServiceRuntime> services = new ArrayList<>();
    /** Each service's running configuration, by name: what a reload compares against. */
    private final Map<String, ServiceConfig> running = new java.util.LinkedHashMap<>();
    private final ProxyServer server;
    /** /readyz, /topology and the per-service families of /metrics. */
    private final AdminViews adminViews;
    /** The daemon's one set of Lettuce threads: every probe, Sentinel and cluster query uses them. */
    private final io.lettuce.core.resource.ClientResources lettuce = TopologySources.sharedResources();
    /** The budget for every client's buffers, all services together. */
    private final ClientMemory clientMemory;

    /** @param metrics the daemon's registry, for process-wide metrics; the per-service ones are {@link #collectors()} */
    public ProxyDataPlane(ProxyConfig config, MetricRegistry metrics) {
        Transport transport = Transport.detect();
        CommandTable commands = CommandTable.builtin();
        long maxDirect = PlatformDependent.maxDirectMemory();
        ClientMemory clientMemory = new ClientMemory(clientBudget(config.maxMemoryClients(), maxDirect),
                ProxyDataPlane::directMemoryUsed, maxDirect);
        this.clientMemory = clientMemory;
        List<ListenerSpec> listeners = new ArrayList<>();
        List<ServiceView> views = new ArrayList<>();
        for (ServiceConfig sc : config.services().values()) {
            TopologySources.Built sources = TopologySources.create(sc, lettuce);
            ServiceRuntime rt = new ServiceRuntime(sc.name(), sources.topology(), sources.facts(), commands, users(sc),
                    sessionSettings(sc), backendSettings(sc), transport.clientChannel(), lettuce, clientMemory);
            services.add(rt);
            running.put(sc.name(), sc);
            for (ListenerConfig l : sc.listeners()) {
                listeners.add(new ListenerSpec(rt, l.name(), address(l.address()), l.role()));
            }
            views.add(new ServiceView(rt, sc.mode().name().toLowerCase(java.util.Locale.ROOT),
                    TopologySources.healthSettings(sc.health())));
        }
        server = new ProxyServer(transport, config.eventLoops(), services, listeners);
        adminViews = new AdminViews(views, server, clientMemory);
    }

    /** The JVM's direct buffers (Netty's pools reserve theirs there). */
    static final java.lang.management.BufferPoolMXBean DIRECT_MEMORY = java.lang.management.ManagementFactory
            .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();

    /**
     * Direct memory in use: the JDK's count of its direct buffers, plus Netty's own count when it
     * allocates without the JDK (its no-cleaner mode, which the JDK does not see).
     */
    static long directMemoryUsed() {
        return DIRECT_MEMORY.getMemoryUsed() + Math.max(0, PlatformDependent.usedDirectMemory());
    }

    /** The budget {@code max-memory-clients} means in a JVM with {@code maxDirect} bytes of direct memory. */
    static long clientBudget(long configured, long maxDirect) {
        long budget = configured == ProxyConfig.MEMORY_CLIENTS_AUTO ? maxDirect / 3 * 2 : configured;
        log.info("client buffers: budget {} MiB ({}; the JVM's direct memory is {} MiB)", budget >> 20,
                configured == ProxyConfig.MEMORY_CLIENTS_AUTO ? "max-memory-clients = auto: two thirds of it"
                        : budget == 0 ? "max-memory-clients = 0: no budget" : "max-memory-clients", maxDirect >> 20);
        return budget;
    }

    /** The data-path factory {@code respproxy run} uses. */
    public static final DataPlane.Factory FACTORY = ProxyDataPlane::new;

    private static ClientUsers users(ServiceConfig sc) {
        List<ClientUsers.User> users = new ArrayList<>();
        for (UserConfig u : sc.users()) {
            users.add(new ClientUsers.User(u.name(), u.password().revealBytes(), u.readOnly(),
                    u.listeners().orElse(Set.of())));
        }
        return new ClientUsers(users);
    }

    private static SessionSettings sessionSettings(ServiceConfig sc) {
        var l = sc.limits();
        RespLimits limits = new RespLimits(l.maxBulkLength(), l.maxArrayLength(), l.maxInlineLength(), l.maxNestingDepth());
        RespLimits preAuth = new RespLimits(Math.min(l.preAuth().maxBulkLength(), l.maxBulkLength()),
                Math.min(l.preAuth().maxArrayLength(), l.maxArrayLength()),
                Math.min(l.preAuth().maxInlineLength(), l.maxInlineLength()), l.maxNestingDepth());
        // Redis's protected mode: loopback clients only when the service has no users (auto), or always (yes).
        boolean loopbackOnly = sc.protectedMode() == ProtectedMode.YES
                || (sc.protectedMode() == ProtectedMode.AUTO && sc.users().isEmpty());
        var outputLimits = new OutputLimit.Classes(outputLimit(l.clientOutputBuffer()),
                outputLimit(l.pubsubOutputBuffer()), outputLimit(l.replicaOutputBuffer()));
        return new SessionSettings(limits, preAuth, l.maxPipelineInFlight(), l.maxPendingOutput(), l.maxPendingInput(),
                l.tcpNotsentLowat(), outputLimits,
                !sc.readPort().writesToMaster(), sc.readPort().fallbackToMaster(), loopbackOnly,
                sc.denyCommands(), l.clientIdleTimeout(), l.maxClients(), sc.failover().holdTimeout(),
                sc.failover().holdMaxCommands(), DATABASES, clusterEmulation(sc), l.trackingMaxKeys(),
                l.slowlogSlowerThan(), l.slowlogMaxLen(), sc.writes().replicated() ? sc.writes().minReplicas() : 0);
    }

    private static OutputLimit outputLimit(io.respproxy.proxy.config.LimitsConfig.OutputBuffer b) {
        return new OutputLimit(b.hardBytes(), b.softBytes(), b.softDuration());
    }

    /** mode = cluster: each listener presents itself to cluster-aware clients as a one-node cluster. */
    private static ClusterEmulation clusterEmulation(ServiceConfig sc) {
        if (sc.mode() != Mode.CLUSTER) {
            return ClusterEmulation.OFF;
        }
        Map<String, NodeAddress> announce = new HashMap<>();
        sc.announce().forEach((listener, address) -> announce.put(listener, address(address)));
        return ClusterEmulation.of(sc.name(), sc.listeners().stream().map(ListenerConfig::name).toList(), announce);
    }

    private static BackendSettings backendSettings(ServiceConfig sc) {
        var b = sc.backend();
        BackendCredentials creds = b.password().isPresent()
                ? new BackendCredentials(b.user().orElse(null), b.password().get().revealBytes())
                : BackendCredentials.NONE;
        return new BackendSettings(creds, b.connectTimeout(), b.commandTimeout(),
                b.reconnectBackoff().min(), b.reconnectBackoff().max(), b.connectionsPerNode(),
                b.scriptSetAside(), b.dedicated().maxPerNode(), b.dedicated().idleTimeout(), b.dedicated().spares(),
                sc.limits().maxNestingDepth(),
                sc.mode() == Mode.CLUSTER, sc.writes().replicaTimeout());
    }

    static NodeAddress address(HostPort hp) {
        return TopologySources.address(hp);
    }

    @Override
    public void start() throws Exception {
        server.start();
    }

    @Override
    public void stop(Duration drainTimeout) {
        server.stop(drainTimeout);
        lettuce.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS); // after every source closed
    }

    @Override
    public synchronized List<String> reload(ProxyConfig next) {
        List<String> restart = new ArrayList<>();
        for (String name : next.services().keySet()) {
            if (!running.containsKey(name)) {
                restart.add("new service '" + name + "'");
            }
        }
        for (String name : running.keySet()) {
            if (!next.services().containsKey(name)) {
                restart.add("removed service '" + name + "'");
            }
        }
        for (ServiceRuntime rt : services) {
            ServiceConfig was = running.get(rt.name());
            ServiceConfig now = next.services().get(rt.name());
            if (now == null || now.equals(was)) {
                continue;
            }
            if (!now.listeners().equals(was.listeners()) || !now.announce().equals(was.announce())) {
                restart.add("service '" + rt.name() + "': listeners");
            }
            if (!now.writes().equals(was.writes())) {
                // The backend connections confirm writes (or not) as the policy was when they opened.
                restart.add("service '" + rt.name() + "': writes");
            }
            if (!now.backend().equals(was.backend())) {
                // The data path's connections were opened with these (credentials, timeouts, pool sizes).
                restart.add("service '" + rt.name() + "': backend");
            }
            // What is applied: the new file but for what needs a restart (listeners, backend
            // connections), which keeps running as it is and is reported again by the next reload.
            ServiceConfig applied = new ServiceConfig(now.name(), now.topology(), was.listeners(), now.readPort(),
                    now.users(), now.protectedMode(), was.backend(), now.limits(), now.health(), now.failover(),
                    was.writes(), now.denyCommands(), now.nat(), was.announce());
            rt.reconfigure(users(applied), sessionSettings(applied));
            if (!now.topology().equals(was.topology()) || !now.nat().equals(was.nat())
                    || !now.health().equals(was.health())) {
                TopologySources.Built built = TopologySources.create(applied, lettuce);
                rt.replaceSource(built.topology(), built.facts());
                log.info("[{}] reload: topology settings changed; a new topology source is starting", rt.name());
            }
            running.put(rt.name(), applied);
            adminViews.healthSettings(rt.name(), TopologySources.healthSettings(applied.health()));
            log.info("[{}] reload: users, deny list, limits, failover and read-port settings applied", rt.name());
        }
        return restart;
    }

    @Override
    public boolean ready() {
        return adminViews.readiness().ready();
    }

    @Override
    public Readiness readiness() {
        return adminViews.readiness();
    }

    @Override
    public String topologyJson() {
        return adminViews.topologyJson();
    }

    @Override
    public List<Collector> collectors() {
        return List.of(adminViews.metrics());
    }

    @Override
    public java.util.concurrent.CompletableFuture<io.respproxy.routing.SwitchoverResult> switchover(String service,
                                                                                                  Duration timeout) {
        for (ServiceRuntime s : services) {
            if (s.name().equals(service)) {
                return s.source().switchover(timeout);
            }
        }
        return DataPlane.super.switchover(service, timeout);
    }

    /** The services, for tests and the demo. */
    public List<ServiceRuntime> services() {
        return List.copyOf(services);
    }
}
