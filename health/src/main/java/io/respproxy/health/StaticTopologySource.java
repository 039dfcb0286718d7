package io.respproxy.health;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mode = static}: a fixed list of servers whose roles the proxy learns itself by probing
 * each with PING and INFO replication (the HAProxy {@code tcp-check} set-up, done properly). All
 * state is owned by one scheduler thread; snapshots leave it through one volatile write.
 */
public final class StaticTopologySource implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(StaticTopologySource.class);

    private final String service;
    private final List<NodeAddress> servers;
    private final HealthSettings settings;
    private final StaticShardBuilder shards;
    private final ClientResources resources;
    private final NodeProber prober;
    private final ScheduledExecutorService scheduler;
    private final Map<NodeAddress, RiseFall> riseFall = new LinkedHashMap<>();
    private final Map<NodeAddress, NodeState> states = new LinkedHashMap<>();
    private volatile Topology current;
    private volatile String redisVersion;
    private Consumer<Topology> listener = t -> { };
    private long version;
    private boolean probing;

    public StaticTopologySource(String service, List<NodeAddress> servers, HealthSettings settings,
                                String backendUser, char[] backendPassword) {
        this.service = service;
        this.servers = List.copyOf(servers);
        this.settings = settings;
        this.shards = new StaticShardBuilder(settings);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        this.prober = new NodeProber(resources, settings.timeout(), backendUser, backendPassword);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "respproxy-health-" + service);
            t.setDaemon(true);
            return t;
        });
        for (NodeAddress s : this.servers) {
            riseFall.put(s, new RiseFall(settings.rise(), settings.fall()));
            states.put(s, new NodeState(s, false, null, "not probed yet"));
        }
        this.current = Topology.unknown("servers not probed yet");
    }

    @Override
    public void start(Consumer<Topology> listener) {
        scheduler.execute(() -> this.listener = listener);
        scheduler.scheduleWithFixedDelay(this::probeAll, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public String redisVersion() {
        return redisVersion;
    }

    @Override
    public void reportFailure(NodeAddress node) {
        scheduler.execute(() -> {
            RiseFall rf = riseFall.get(node);
            if (rf != null && rf.markDown()) {
                NodeState old = states.get(node);
                states.put(node, new NodeState(node, false, old.replication(), "connection failure seen by the data path"));
                log.warn("[{}] {} marked down by the data path", service, node);
                publish();
            }
        });
    }

    @Override
    public void requestRefresh() {
        scheduler.execute(this::probeAll);
    }

    private void probeAll() {
        if (probing) {
            return;
        }
        probing = true;
        List<CompletableFuture<ProbeResult>> results = new ArrayList<>(servers.size());
        for (NodeAddress s : servers) {
            results.add(prober.probe(s));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .whenCompleteAsync((ignored, e) -> {
                    probing = false;
                    for (int i = 0; i < servers.size(); i++) {
                        apply(servers.get(i), results.get(i).join());
                    }
                    publish();
                }, scheduler);
    }

    private void apply(NodeAddress node, ProbeResult result) {
        RiseFall rf = riseFall.get(node);
        if (rf.record(result.ok())) {
            if (rf.isUp()) {
                log.info("[{}] {} is up", service, node);
            } else {
                log.warn("[{}] {} is down: {}", service, node, result.failure());
            }
        }
        NodeState old = states.get(node);
        ReplicationInfo info = result.ok() ? result.replication() : old.replication();
        if (result.ok() && result.redisVersion() != null
                && (redisVersion == null || info.role() == ReplicationInfo.Role.MASTER)) {
            redisVersion = result.redisVersion();
        }
        states.put(node, new NodeState(node, rf.isUp(), info, result.ok() ? null : result.failure()));
    }

    private void publish() {
        Topology next = Topology.single(version + 1, shards.build(service, new ArrayList<>(states.values())));
        if (next.sameRoutingAs(current)) {
            return;
        }
        version++;
        Topology previous = current;
        current = next;
        var shard = next.primaryShard();
        if (shard.hasMaster()) {
            log.info("[{}] master {} , read replicas {}", service, shard.master(), shard.readReplicas());
        } else if (previous.primaryShard().hasMaster() || version == 1 || !shard.noMasterReason()
                .equals(previous.primaryShard().noMasterReason())) {
            log.error("[{}] no writable master: {}", service, shard.noMasterReason());
        }
        listener.accept(next);
    }

    /** Node states for the admin /topology view and INFO. */
    public List<NodeState> nodeStates() {
        try {
            return scheduler.submit(() -> List.copyOf(states.values())).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        prober.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
